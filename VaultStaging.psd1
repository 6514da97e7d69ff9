@{
    RootModule           = 'VaultStaging.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3e78091c-63b1-4755-ada4-ce7e189e19ec'
    Author               = 'VaultStaging contributors'
    CompanyName          = 'VaultStaging contributors'
    Copyright            = '(c) VaultStaging contributors. All rights reserved.'
    Description          = 'Veeva Vault File Staging from PowerShell: connect to a vault and list, inspect and manage resumable upload sessions.'
    CompatiblePSEditions = @('Core', 'Desktop')
    PowerShellVersion    = '5.1'
    # Windows PowerShell 5.1 needs .NET Framework 4.7.2 for netstandard2.0 assemblies to load without facades.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('VaultStaging.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Vault', 'Disconnect-Vault', 'Get-VaultConnection',
        'Get-VaultUploadSession', 'New-VaultUploadSession', 'Get-VaultUploadSessionPart',
        'Complete-VaultUploadSession', 'Remove-VaultUploadSession', 'Send-VaultFile',
        'Receive-VaultFile', 'Sync-VaultStagingFolder',
        'Get-VaultStagingItem', 'New-VaultStagingFolder', 'Move-VaultStagingItem', 'Rename-VaultStagingItem',
        'Remove-VaultStagingItem', 'Get-VaultJob', 'Wait-VaultJob'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Veeva', 'Vault', 'VeevaVault', 'FileStaging', 'Upload', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            # Placeholders: the project has no public repository or chosen license yet; replace both before publishing.
            ProjectUri   = 'https://github.com/VaultStaging/VaultStaging'
            LicenseUri   = 'https://github.com/VaultStaging/VaultStaging/blob/main/LICENSE'
            # The section of this version in CHANGELOG.md, copied as it is (tests/pester/Package.Tests.ps1 checks it).
            ReleaseNotes = @'
### Added
- Connect-Vault with a password (-Credential), an API access token (-Token) or an existing session id
  (-SessionId); https, or plain http for loopback addresses only; refuses a session that Vault issued for
  another vault. The connection is the default of the runspace (never shared between runspaces);
  -Connection on every cmdlet, also as -Connection $using:c in ForEach-Object -Parallel. Get-VaultConnection
  and Disconnect-Vault. No password, token or session id in any output, stream, error or serialization.
- Password connections log in again when Vault ends the session (inactivity, or the 48-hour limit).
  Passing failures (HTTP 429, 502, 503, 504, dropped connections, timeouts) are retried with back-off and
  jitter, honouring Retry-After (-MaximumRetryCount, -RetryIntervalSec, -TimeoutSec). Ctrl+C cancels the call
  in flight.
- Get-VaultUploadSession: lists the active upload sessions (admins see all, others their own) as typed
  UploadSession objects with flat properties, following pages; -Id gets details, by pipeline too. Dates are
  local DateTime values of Vault's UTC instants; BytesRemaining and PercentComplete.
- The upload-session lifecycle: New-VaultUploadSession, Get-VaultUploadSessionPart,
  Complete-VaultUploadSession (-Wait keeps to Vault's one status read per 10 seconds) and
  Remove-VaultUploadSession (ConfirmImpact High, -WhatIf). Create, commit and abort are never sent twice.
- Send-VaultFile: uploads files of up to 500 GB through resumable upload sessions, parts streamed from disk in
  order with each part's MD5 checked against Vault's; resumes an interrupted upload by running the same command
  again; several files at once (-ThrottleLimit); Write-Progress per file and overall.
- Vault's errors become ErrorRecords whose FullyQualifiedErrorId starts with Vault's error type, with a hint.
- Tab completion of -Id (the active upload sessions, with their paths) and -Vault (vaults connected before).
- A format file (default tables of sessions and connections), help for every cmdlet (Get-Help, with examples
  that the tests run) and the about_VaultStaging topic.
- The VaultStaging provider and its drive Vault:, on the runspace's default connection (New-PSDrive -Connection
  for others): cd, Get-ChildItem (-Recurse in one listing), Get-Item, Test-Path, Resolve-Path, New-Item,
  Remove-Item, Rename-Item and Move-Item (waited Vault jobs), Get-Content (streamed through ranges) and
  Set-Content (files up to 50,000,000 bytes), tab completion; Copy-Item points to Send-VaultFile and
  Receive-VaultFile. about_VaultStaging_Provider.
- A Vault file staging emulator (tests/VaultStaging.Emulator) to try the module without a vault.
- Built for PowerShell 7 and Windows PowerShell 5.1 (netstandard2.0); tested here on PowerShell 7.6.9 (Linux) only.
- build.ps1 tasks Build, Test, Demo, Package and Bench (a benchmark against the emulator).
- Files, folders and jobs on the staging server: Get-VaultStagingItem (-Path, -Recurse, -Filter; streams
  page by page in bounded memory), New-VaultStagingFolder (-Force: mkdir -p), Move-VaultStagingItem (-Destination,
  -NewName), Rename-VaultStagingItem and Remove-VaultStagingItem (ConfirmImpact High; -Recurse for folders that are
  not empty). Move, rename and delete check their input before any job, start the jobs of all their input, then
  wait for them together (-NoWait returns the jobs; -PassThru the moved or renamed items); a job that does not end
  in SUCCESS is a JOB_<STATUS> error naming the path and the job id. Get-VaultJob and Wait-VaultJob (-Timeout)
  read jobs no more than once per 10 seconds each. Typed StagingItem output with a directory-listing table, a
  table for VaultJob, tab completion of staging paths.
'@
        }
    }
}
