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
    # It ignores DotNetFrameworkVersion for 4.5 and later, so VaultStaging.Requirements.ps1 checks the release
    # before the assembly loads and says what is missing.
    DotNetFrameworkVersion = '4.7.2'
    ScriptsToProcess     = @('VaultStaging.Requirements.ps1')
    FormatsToProcess     = @('VaultStaging.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Vault', 'Disconnect-Vault', 'Get-VaultConnection',
        'Get-VaultUploadSession', 'New-VaultUploadSession', 'Get-VaultUploadSessionPart',
        'Complete-VaultUploadSession', 'Remove-VaultUploadSession', 'Send-VaultFile',
        'Receive-VaultFile', 'Sync-VaultStagingFolder',
        'Get-VaultStagingItem', 'New-VaultStagingFolder', 'Move-VaultStagingItem', 'Rename-VaultStagingItem',
        'Remove-VaultStagingItem', 'Get-VaultJob', 'Wait-VaultJob', 'Test-VaultConnection'
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
- Remove-Module VaultStaging closes the connections Connect-Vault made in that session (and only those).
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
- Send-VaultFile: uploads files of up to 500 GB and folder trees (-Recurse): files of at most 50,000,000 bytes
  in one call checked by MD5 (sent again on a mismatch), larger ones through resumable upload sessions, parts
  streamed from disk in order with each part's MD5 checked against Vault's (-UploadMethod to choose). Missing
  staging folders are made. Resumes by running the same command again, continuing only sessions whose parts
  match the local file; another upload's session is left alone while active (-Force aborts it), an idle one
  aborted with a warning, another user's never touched. Results say what was checked: Staged, CommitAccepted,
  CommittedJobUnknown; -Wait waits for the commit jobs together and checks the file is listed with its size.
  Two local files for one destination are refused before anything is sent. A failed commit names its upload
  session once. A small file sent without -Overwrite whose answer was lost is read back and compared by MD5:
  Staged when the bytes there are its own, never sent twice. When it returns, nothing it started
  still runs; after Ctrl+C it names each unfinished session and the commands to resume or abort it.
- Receive-VaultFile: downloads files and trees (-Recurse) in ranges of 16 MiB, several at once, into a temporary
  file renamed into place only when complete and checked (Content-Range, size); resumes from the ranges on disk;
  starts over when the file changed on Vault; never replaces a local file without -Force, skips identical ones,
  gives files the remote modified date, refuses remote names that would leave the destination; DISK_FULL names
  the file and removes the partial data. The ranges of a file are written in ascending order (at most 112 MiB
  held in memory per command), so NTFS never zero-fills ahead of the data. A failed download is always an error
  naming the first real failure, whatever its number of ranges, and every range has ended when the command
  returns. A complete file whose final rename fails is kept and named (LOCAL_RENAME_FAILED); -Force clears a
  read-only attribute; temporary names that would pass 255 characters are shortened (hash-based), resumably.
  A remote name the local file system cannot hold (Windows: < > : " | ? *, trailing dot or space, device
  names including COM¹-LPT³) fails alone, also in Sync -Direction Download, which reports every file it could
  not bring as a Failed record and an error.
- Sync-VaultStagingFolder: makes a staging folder match a local folder or the other way round (-Direction),
  sending only what is missing, of another size or newer; -Delete removes what the source lacks (asked once);
  -WhatIf prints the plan; -PassThru returns Uploaded (or Downloaded), Skipped, Deleted and Failed records.
  When the listing names no folder (files-only listings), only a local folder with no file to send is looked up.
- At most 10 requests in flight per connection; time limits count from the last byte that moved; WARNING answers
  become warnings; Vault's execution id ends each of Vault's errors; -ApiVersion is checked against the vault's
  list at connect time; Connect-Vault closes a replaced default connection that nobody holds.
- Windows PowerShell 5.1: no Expect: 100-continue, TLS 1.2 added only to an explicit protocol list, a managed MD5
  where the FIPS policy refuses the platform's, DotNetFrameworkVersion 4.7.2 in the manifest.
- Staging paths and paths on VaultStaging drives (Vault:/x, Prod:\x) wherever a staging path is taken; tab
  completion of staging paths. Staging paths keep their case and compare as written (/Docs and /docs are two
  folders, also to Resolve-Path -Relative on the drive); drive names compare without case.
- Vault's errors become ErrorRecords whose FullyQualifiedErrorId starts with Vault's error type, with a hint.
- Tab completion of -Id (the active upload sessions, with their paths) and -Vault (vaults connected before).
- A format file: default tables that fit an 80-column console (sessions, their parts, connections, and the
  -PassThru results of Send-VaultFile, Receive-VaultFile and Sync-VaultStagingFolder, the path last; sizes in
  bytes or MiB, as the header says; progress in MiB), help for every cmdlet (Get-Help, with examples
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
  page by page in bounded memory; Select-Object -First 1 costs one page, and a listing stopped early leaves its
  connection fit for the next call), New-VaultStagingFolder (-Force: mkdir -p), Move-VaultStagingItem (-Destination,
  -NewName), Rename-VaultStagingItem and Remove-VaultStagingItem (ConfirmImpact High; -Recurse for folders that are
  not empty). Move, rename and delete check their input before any job, start the jobs of all their input, then
  wait for them together (-NoWait returns the jobs; -PassThru the moved or renamed items); a job that does not end
  in SUCCESS is a JOB_<STATUS> error naming the path and the job id. Get-VaultJob and Wait-VaultJob (-Timeout)
  read jobs no more than once per 10 seconds each; Get-VaultJob -Id names what a job started on the same
  connection does, and says "Unknown (a POST job started elsewhere)" for any other. The cmdlets, the drive,
  Sync -Delete and Test-VaultConnection check, start, wait for and word jobs alike (one status line per read,
  also for the commit jobs Send-VaultFile -Wait and Complete-VaultUploadSession -Wait wait for);
  Rename-Item or Move-Item on the drive onto the item's own path starts no job. Typed StagingItem output with a
  directory-listing table, a table for VaultJob, tab completion of staging paths.
- Proxies: Connect-Vault -Proxy, -ProxyCredential, -ProxyUseDefaultCredentials and -NoProxy (Invoke-RestMethod's
  meanings; without them the system's proxy); the connection shows Proxy and ProxyUserName, never a password; a
  proxy's 407 is PROXY_AUTHENTICATION_REQUIRED, not retried and never a Vault login failure.
- Windows PowerShell 5.1: Import-Module says "needs .NET Framework 4.7.2 or later" before the assembly fails to
  load; staging paths with names ending in '.' are refused under .NET Framework's legacy URL rules; Nagle,
  Expect: 100-continue and the connection limit set on the vault's ServicePoint; a connection passed to a
  background job is refused with what to do; -Encoding utf8/default follow the running edition; build.ps1 Sign.
- Listings in either form a vault may give them (folders with or without a trailing `/`, recursive listings with
  or without folder entries): each folder comes out once, before its contents, derived from the file paths when
  the vault leaves it out; no name is empty; an unchanged Sync makes no call that writes. A non-admin whose vault
  answers (and takes) paths from the root is still known as a non-admin.
- The emulator as a stand-in for a vault: https (`--tls-cert`, `--tls-key`), `--listing-form reference|recorded`,
  `--non-admin-paths absolute` taking the absolute form back in requests, `format_result=csv` listings as a job
  with a results link, and upload sessions kept under `--staging-root` across a restart.
- Test-VaultConnection: what a vault does, one VaultConnectionCheck per check (Reach with the TLS version and
  proxy, Login, ApiVersion, BurstLimit, ListStaging, CreateFolder, SmallUpload with Vault's MD5, RangedDownload,
  UploadSession, SessionPathForm Absolute/Relative, ListingForm Reference/Recorded, ItemJobs, CleanUp), writing
  only in a folder of its own that it removes with its sessions whatever ends it, Ctrl+C included; -ReadOnly makes
  no call that writes; -Benchmark measures 1 to 10 transfers at once and recommends a -ThrottleLimit.
'@
        }
    }
}
