; Inno Setup script for Claude Desk (Inno Setup 6.3 or newer).
;
; Build the PyInstaller bundle first (dist\claude-desk\claude-desk.exe), then from the
; repository root:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\claude-desk.iss
;
; which writes dist\claude-desk-<version>-windows-x64-setup.exe. The version comes from
; pyproject.toml (the GitHub workflow passes it). The installer needs no administrator rights
; (it installs per user into %LOCALAPPDATA%\Programs unless the user picks "all users");
; conversations stay in %LOCALAPPDATA%\ClaudeDesk\claude-desk and the API key in the Windows
; Credential Manager, so uninstalling keeps them.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Claude Desk"
#define AppExe "claude-desk.exe"
#define Root "..\.."

[Setup]
AppId={{D2B7C858-3784-463A-AB7B-780DEDFFD4E3}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Claude Desk developers
AppComments=A native desktop assistant for the Claude API
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=claude-desk-{#AppVersion}-windows-x64-setup
SetupIconFile=claude-desk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\dist\claude-desk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "ClaudeDesk.ClaudeDesk"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
