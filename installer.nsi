; Sportello installer for Windows (NSIS 3, Modern UI 2).
;
; Input: the PyInstaller one-folder bundle, named with /D defines (packaging/build.py
; --installer passes them):
;   makensis -DVERSION=0.1.0 -DVERSION_NUMBERS=0.1.0.0 -DBUNDLE_DIR=dist/sportello
;            -DAPP_EXE=Sportello.exe -DCLI_EXE=sportello-cli.exe -DOUTFILE=dist/setup.exe
;            [-DICON_FILE=build/generated/sportello.ico] installer.nsi
;
; Per-user install by default (no administrator rights): program in
; %LOCALAPPDATA%\Programs\Sportello, shortcuts, "start at login" and the Add/Remove Programs
; entry in the user's own profile and HKCU. Data (%LOCALAPPDATA%\Sportello), settings
; (%APPDATA%\Sportello) and secrets (Windows Credential Manager) are never under $INSTDIR,
; so an upgrade in place replaces the program and keeps all of them; the uninstaller
; removes data and settings only when the user ticks that box.
;
; On Linux CI this script is compiled by Debian's makensis against the Linux bundle, with
; APP_EXE = CLI_EXE = "sportello" (the Linux executable). That proves the script is valid
; NSIS, that every page, language string and macro resolves, and that every file it names
; exists in the staged bundle. It does not prove the Windows executables' names, nor run
; the installer: that happens on the Windows release machine (.github/workflows/release.yml).

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (packaging/build.py --installer does)"
!endif
!ifndef BUNDLE_DIR
  !error "pass -DBUNDLE_DIR=<PyInstaller one-folder output>"
!endif
!ifndef VERSION_NUMBERS
  !define VERSION_NUMBERS "0.0.0.0"
!endif
!ifndef APP_EXE
  !define APP_EXE "Sportello.exe"
!endif
!ifndef CLI_EXE
  !define CLI_EXE "sportello-cli.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "Sportello-${VERSION}-setup.exe"
!endif

!define APP_NAME "Sportello"
!define PUBLISHER "Sportello"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Sportello"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define SETTINGS_KEY "Software\Sportello"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_NUMBERS}"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "© ${PUBLISHER}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "WordFunc.nsh"
!include "LogicLib.nsh"

!ifdef ICON_FILE
  !define MUI_ICON "${ICON_FILE}"
  !define MUI_UNICON "${ICON_FILE}"
!endif
!define MUI_ABORTWARNING
!define MUI_LANGDLL_ALLLANGUAGES
!define MUI_LANGDLL_REGISTRY_ROOT "HKCU"
!define MUI_LANGDLL_REGISTRY_KEY "${SETTINGS_KEY}\Installer"
!define MUI_LANGDLL_REGISTRY_VALUENAME "Language"
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the default when Windows speaks neither.
!insertmacro MUI_LANGUAGE "Italian"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString SecProgram ${LANG_ITALIAN} "Sportello (programma)"
LangString SecProgram ${LANG_ENGLISH} "Sportello (program)"
LangString SecStartMenu ${LANG_ITALIAN} "Collegamento nel menu Start"
LangString SecStartMenu ${LANG_ENGLISH} "Start menu shortcut"
LangString SecDesktop ${LANG_ITALIAN} "Collegamento sul desktop"
LangString SecDesktop ${LANG_ENGLISH} "Desktop shortcut"
LangString SecAutostart ${LANG_ITALIAN} "Avvia Sportello all'accesso a Windows"
LangString SecAutostart ${LANG_ENGLISH} "Start Sportello when I sign in to Windows"
LangString UnSecProgram ${LANG_ITALIAN} "Programma e collegamenti"
LangString UnSecProgram ${LANG_ENGLISH} "Program and shortcuts"
LangString UnSecData ${LANG_ITALIAN} "Elimina anche i miei dati e le impostazioni (messaggi, server locale, preferenze)"
LangString UnSecData ${LANG_ENGLISH} "Also delete my data and settings (messages, local server, preferences)"
LangString MsgRunning ${LANG_ITALIAN} "Sportello è in esecuzione. Chiudilo (anche il server locale, dal suo menu) e premi Riprova."
LangString MsgRunning ${LANG_ENGLISH} "Sportello is running. Quit it (including the local server, from its menu) and press Retry."
LangString MsgDowngrade ${LANG_ITALIAN} "È installata una versione più recente di Sportello ($0). Installare comunque la ${VERSION}?"
LangString MsgDowngrade ${LANG_ENGLISH} "A newer Sportello ($0) is installed. Install ${VERSION} anyway?"

Var PreviousVersion

; ---- install -------------------------------------------------------------------------

Function .onInit
  !insertmacro MUI_LANGDLL_DISPLAY
  ; Upgrade in place: reuse the folder of the installed version.
  ReadRegStr $0 HKCU "${UNINSTALL_KEY}" "InstallLocation"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
  ReadRegStr $PreviousVersion HKCU "${UNINSTALL_KEY}" "DisplayVersion"
  ${If} $PreviousVersion != ""
    ${VersionCompare} $PreviousVersion "${VERSION}" $1
    ${If} $1 == 1
      StrCpy $0 $PreviousVersion
      MessageBox MB_YESNO|MB_ICONQUESTION "$(MsgDowngrade)" /SD IDYES IDYES +2
        Abort
    ${EndIf}
  ${EndIf}
FunctionEnd

; Windows refuses to overwrite a running executable: ask to quit Sportello instead of
; failing halfway through the copy.
Function WaitUntilNotRunning
  ${DoWhile} ${FileExists} "$INSTDIR\${APP_EXE}"
    ClearErrors
    FileOpen $0 "$INSTDIR\${APP_EXE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(MsgRunning)" /SD IDCANCEL IDRETRY +2
      Abort
  ${Loop}
FunctionEnd

Section "!$(SecProgram)" SecProgram
  SectionIn RO
  SetShellVarContext current
  Call WaitUntilNotRunning
  SetOutPath "$INSTDIR"
  ; The previous version's program files go first (PyInstaller's file set changes between
  ; versions); nothing of the user's lives in $INSTDIR.
  RMDir /r "$INSTDIR\_internal"
  File "${BUNDLE_DIR}/${APP_EXE}"
  !if "${CLI_EXE}" != "${APP_EXE}"
    File "${BUNDLE_DIR}/${CLI_EXE}"
  !endif
  File /r "${BUNDLE_DIR}/_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "$(SecStartMenu)" SecStartMenu
  SetShellVarContext current
  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

Section /o "$(SecDesktop)" SecDesktop
  SetShellVarContext current
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

; Same registry value as the app's own Settings > "Start at login" (sportello/desktop/autostart.py),
; so the checkbox there shows what the installer chose.
Section /o "$(SecAutostart)" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "${APP_NAME}" '"$INSTDIR\${APP_EXE}"'
SectionEnd

; ---- uninstall -----------------------------------------------------------------------

Function un.onInit
  !insertmacro MUI_UNGETLANGUAGE
FunctionEnd

Section "!un.$(UnSecProgram)" UnSecProgram
  SectionIn RO
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd

; Unticked by default: uninstalling (or reinstalling) never loses messages or settings
; unless the user asks. Secrets stay in Windows Credential Manager ("Sportello" entries).
Section /o "un.$(UnSecData)" UnSecData
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\${APP_NAME}"
  RMDir /r "$APPDATA\${APP_NAME}"
  DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd
