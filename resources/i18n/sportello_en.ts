<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ConversationListModel</name>
    <message numerus="yes">
        <source>%n unread</source>
        <translation>
            <numerusform>%n unread</numerusform>
            <numerusform>%n unread</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationPane</name>
    <message numerus="yes">
        <source>%n result(s). Enter opens the conversation.</source>
        <translation>
            <numerusform>%n result. Enter opens the conversation.</numerusform>
            <numerusform>%n results. Enter opens the conversation.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DesktopAlerts</name>
    <message numerus="yes">
        <source>%n new messages from %1</source>
        <translation>
            <numerusform>%n new message from %1</numerusform>
            <numerusform>%n new messages from %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n ticket(s) waiting to be opened: %1</source>
        <translation>
            <numerusform>%n ticket waiting to be opened: %1</numerusform>
            <numerusform>%n tickets waiting to be opened: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>EscalationController</name>
    <message numerus="yes">
        <source>%n ticket(s) waiting to be opened, the oldest for %1</source>
        <translation>
            <numerusform>%n ticket waiting to be opened, for %1</numerusform>
            <numerusform>%n tickets waiting to be opened, the oldest for %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProfileSwitcher</name>
    <message numerus="yes">
        <source>%n unread message(s), %1</source>
        <translation>
            <numerusform>%n unread message, %1</numerusform>
            <numerusform>%n unread messages, %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message numerus="yes">
        <source>%n unread message(s)</source>
        <translation>
            <numerusform>%n unread message</numerusform>
            <numerusform>%n unread messages</numerusform>
        </translation>
    </message>
</context>
</TS>
