"""The desktop app's services from the operating system and its own processes.

The keyring (`credentials`, with `secret_file` for local mode when no keyring works),
start at login (`autostart`), the supervised `sportello server` child of local mode
(`local_server`) and the operator it provisions (`local_operator`), where the app keeps
its files (`paths`), and SIGTERM/SIGINT reaching the Qt loop (`signal_wakeup`).

UI and Wiring import it; it imports Client (`local_operator` logs in over loopback) and
System, never UI, Server or Store: local mode runs the server as a child process. Nothing
is imported here, so importing one service does not load the others (keyring, aiohttp, Qt).
"""
