#Requires -Version 7.0
# Test-VaultConnection end to end: the staged module in a fresh pwsh against the emulator (a child process, real
# HTTP) in each of the emulator's modes: non-admin paths relative and absolute, listings in Veeva's reference
# form and in the form vvfst recorded, http and https (a test certificate, trusted by the child pwsh through
# SSL_CERT_FILE). Each check's Observed must name the mode the emulator was in, and the emulator's state (its
# staged tree on disk and its active upload sessions) must be the same before and after. -ReadOnly is checked
# against the emulator's request log. Ctrl+C is tested in-process (xunit: TestVaultConnectionStopTests).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $PSStyle.OutputRendering = 'PlainText'
    $ProgressPreference = 'SilentlyContinue'

    $script:Http = Start-TestEmulator -ArgumentList '--item-job-duration-ms', '0'
    # A self-signed certificate for 127.0.0.1 that expires in 2 days: Reach warns of it.
    $script:Https = Start-TestEmulator -Https

    # The emulator's state that a user could see: every file and folder of its staged tree (with sizes) and the
    # ids of its active upload sessions.
    function Get-EmulatorState($Emulator) {
        $root = (Invoke-EmulatorControl -Path info -Emulator $Emulator).filesRoot
        $tree = @(Get-ChildItem -LiteralPath $root -Recurse -Force | ForEach-Object {
                $_.FullName.Substring($root.Length) + $(if ($_.PSIsContainer) { '/' } else { " $($_.Length)" })
            } | Sort-Object)
        $sessions = @((Invoke-EmulatorControl -Path state -Emulator $Emulator).sessions | Where-Object state -EQ 'active' | ForEach-Object id | Sort-Object)
        [pscustomobject]@{ Tree = $tree -join "`n"; Sessions = $sessions -join "`n" }
    }

    # Runs Test-VaultConnection in a fresh pwsh as the given user, with the given parameters (a hashtable), and
    # returns its checks (Result as text) and the child's error stream.
    $script:ChildScript = Join-Path $TestDrive 'child.ps1'
    Set-Content -Path $script:ChildScript -Value @'
$ErrorActionPreference = 'Stop'
Import-Module $env:TVC_MODULE
$credential = [pscredential]::new($env:TVC_USER, (ConvertTo-SecureString $env:TVC_PASSWORD -AsPlainText -Force))
Connect-Vault -Vault $env:TVC_VAULT -Credential $credential
$parameters = ConvertFrom-Json $env:TVC_PARAMETERS -AsHashtable
Test-VaultConnection @parameters | ForEach-Object {
    [pscustomobject]@{ Check = $_.Check; Result = "$($_.Result)"; Observed = $_.Observed; Detail = $_.Detail }
} | ConvertTo-Json -AsArray -Depth 3
'@
    function Invoke-TestVaultConnection($Emulator, [string] $User = 'jane', [hashtable] $Parameters = @{}, [hashtable] $Environment = @{}, [switch] $NoWait) {
        $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script:ChildScript) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $u = $Emulator.Users[$User]
        $psi.Environment['TVC_MODULE'] = Get-TestModulePath
        $psi.Environment['TVC_USER'] = $u.UserName
        $psi.Environment['TVC_PASSWORD'] = $u.Password
        $psi.Environment['TVC_VAULT'] = $Emulator.BaseUrl
        $psi.Environment['TVC_PARAMETERS'] = ConvertTo-Json $Parameters -Compress
        foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
        $child = [Diagnostics.Process]::Start($psi)
        if ($NoWait) { return $child }
        $errors = $child.StandardError.ReadToEndAsync()
        $output = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit()
        [pscustomobject]@{
            Checks = @(if ($output.Trim()) { $output | ConvertFrom-Json })
            Errors = $errors.Result
            ExitCode = $child.ExitCode
        }
    }

    function Get-Check($Run, [string] $Name) { $Run.Checks | Where-Object Check -EQ $Name }
}

AfterAll {
    Stop-TestEmulator $script:Http
    Stop-TestEmulator $script:Https
}

Describe 'Test-VaultConnection in each of the emulator''s modes' {
    It 'as a non-admin, paths <Paths>, listings <Listing>, over <Scheme>: Observed says so, and nothing is left behind' -ForEach @(
        @{ Paths = 'relative'; Listing = 'reference'; Scheme = 'http' }
        @{ Paths = 'absolute'; Listing = 'reference'; Scheme = 'http' }
        @{ Paths = 'relative'; Listing = 'recorded'; Scheme = 'http' }
        @{ Paths = 'absolute'; Listing = 'recorded'; Scheme = 'https' }
        @{ Paths = 'relative'; Listing = 'reference'; Scheme = 'https' }
    ) {
        $emu = if ($Scheme -eq 'https') { $script:Https } else { $script:Http }
        Reset-TestEmulator -Emulator $emu
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ nonAdminPaths = $Paths; listingForm = $Listing } -Emulator $emu
        $before = Get-EmulatorState $emu

        # Only the child trusts the test certificate (OpenSSL's SSL_CERT_FILE): the module relaxes no check.
        $run = Invoke-TestVaultConnection $emu -Environment @{ SSL_CERT_FILE = "$($script:Https.CertificateFile)" }

        $run.Errors | Should -BeNullOrEmpty
        $run.Checks.Check | Should -Be 'Reach', 'Login', 'ApiVersion', 'BurstLimit', 'ListStaging', 'CreateFolder', 'SmallUpload',
            'RangedDownload', 'UploadSession', 'SessionPathForm', 'ListingForm', 'ItemJobs', 'CleanUp'
        $failed = $run.Checks | Where-Object { $_.Result -ne 'Passed' -and $_.Check -ne 'Reach' }
        $failed | Should -BeNullOrEmpty -Because ($failed | Out-String)
        if ($Scheme -eq 'https') {
            (Get-Check $run Reach).Result | Should -Be 'Warning'
            (Get-Check $run Reach).Detail | Should -BeLike '*certificate localhost issued by localhost*the certificate expires within 30 days*'
        } else {
            (Get-Check $run Reach).Result | Should -Be 'Passed'
        }
        (Get-Check $run SessionPathForm).Observed | Should -Be $(if ($Paths -eq 'absolute') { 'Absolute' } else { 'Relative' })
        (Get-Check $run ListingForm).Observed | Should -Be $(if ($Listing -eq 'recorded') { 'Recorded' } else { 'Reference' })
        (Get-Check $run Reach).Observed | Should -BeLike $(if ($Scheme -eq 'https') { 'TLS 1.[23], direct' } else { 'http, direct' })
        (Get-Check $run Login).Observed | Should -Be 'Password'
        (Get-Check $run SmallUpload).Observed | Should -Be 'hex MD5 matches'
        (Get-Check $run RangedDownload).Observed | Should -Be '206'
        (Get-Check $run UploadSession).Observed | Should -Be 'job SUCCESS'
        (Get-Check $run BurstLimit).Observed | Should -Match '^[\d,]+ per 5 min$'

        $after = Get-EmulatorState $emu
        $after.Tree | Should -Be $before.Tree
        $after.Sessions | Should -Be $before.Sessions
    }

    It 'as an admin: SessionPathForm says Admin, the test folder is in the admin''s own folder, and nothing is left behind' {
        Reset-TestEmulator -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        $run = Invoke-TestVaultConnection $script:Http -User admin
        $run.Errors | Should -BeNullOrEmpty
        @($run.Checks | Where-Object Result -NE 'Passed') | Should -BeNullOrEmpty
        (Get-Check $run SessionPathForm).Observed | Should -Be 'Admin'
        (Get-Check $run CreateFolder).Detail | Should -BeLike "Made /u$($script:Http.Users.admin.UserId)/VaultStaging-Test-*"
        (Get-EmulatorState $script:Http).Tree | Should -Be $before.Tree
        (Get-EmulatorState $script:Http).Sessions | Should -Be $before.Sessions
    }

    It 'with a 200 for ranges (the other reading), RangedDownload observes it' {
        Reset-TestEmulator -Emulator $script:Http
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ rangeStatus = 200 } -Emulator $script:Http
        $run = Invoke-TestVaultConnection $script:Http
        (Get-Check $run RangedDownload).Result | Should -Be 'Passed'
        (Get-Check $run RangedDownload).Observed | Should -Be '200 + Content-Range'
    }

    It '-Path puts the test folder inside the folder given, and removes only its own folder' {
        Reset-TestEmulator -Emulator $script:Http
        $jane = $script:Http.Users.jane.UserId
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u$jane/Imports/keep.txt"; kind = 'file'; size = 10 } -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        $run = Invoke-TestVaultConnection $script:Http -Parameters @{ Path = '/Imports' }
        (Get-Check $run CreateFolder).Detail | Should -BeLike 'Made /Imports/VaultStaging-Test-*'
        (Get-Check $run CleanUp).Result | Should -Be 'Passed'
        (Get-EmulatorState $script:Http).Tree | Should -Be $before.Tree
    }

    It '-Path that is not a folder fails CreateFolder clearly and writes nothing' {
        Reset-TestEmulator -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        $run = Invoke-TestVaultConnection $script:Http -Parameters @{ Path = '/no-such-folder' }
        (Get-Check $run CreateFolder).Result | Should -Be 'Failed'
        (Get-Check $run CreateFolder).Detail | Should -BeLike '*/no-such-folder is not on the staging server*'
        (Get-Check $run SmallUpload).Result | Should -Be 'Skipped'
        (Get-EmulatorState $script:Http).Tree | Should -Be $before.Tree
    }
}

Describe 'Test-VaultConnection -ReadOnly' {
    It 'makes no call that writes, and still observes the path form and the listing form from what is there' {
        Reset-TestEmulator -Emulator $script:Http
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ nonAdminPaths = 'absolute'; listingForm = 'recorded' } -Emulator $script:Http
        $jane = $script:Http.Users.jane.UserId
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u$jane/docs/a.txt"; kind = 'file'; size = 100 } -Emulator $script:Http
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u$jane/readme.txt"; kind = 'file'; size = 5000 } -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        $null = Invoke-EmulatorControl -Method Delete -Path log -Emulator $script:Http

        $run = Invoke-TestVaultConnection $script:Http -Parameters @{ ReadOnly = $true; Benchmark = $true }

        $run.Errors | Should -BeNullOrEmpty
        $log = @(foreach ($entry in (Invoke-EmulatorControl -Path log -Emulator $script:Http)) { $entry })
        $log.Count | Should -BeGreaterThan 3
        $writes = @($log | Where-Object { $_.operation -ne 'auth' -and $_.method -ne 'GET' })
        $writes | Should -BeNullOrEmpty -Because ($writes | ForEach-Object { "$($_.method) $($_.path)" } | Out-String)
        foreach ($name in 'SmallUpload', 'UploadSession', 'ItemJobs', 'CleanUp', 'Upload1', 'Download10', 'RecommendedThrottleLimit') {
            (Get-Check $run $name).Result | Should -Be 'Skipped' -Because "$name writes"
        }
        # The seed's sessions are jane's: listed from the root in this mode.
        (Get-Check $run SessionPathForm).Observed | Should -Be 'Absolute'
        (Get-Check $run ListingForm).Observed | Should -Be 'Recorded'
        (Get-Check $run RangedDownload).Result | Should -Be 'Passed'
        (Get-EmulatorState $script:Http).Tree | Should -Be $before.Tree
    }
}

Describe 'Test-VaultConnection -Benchmark' {
    It 'adds throughput at 1, 2, 4, 8 and 10 at once and a RecommendedThrottleLimit among them, and removes its files' {
        Reset-TestEmulator -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        $run = Invoke-TestVaultConnection $script:Http -Parameters @{ Benchmark = $true }
        $run.Errors | Should -BeNullOrEmpty
        foreach ($n in 1, 2, 4, 8, 10) {
            foreach ($direction in 'Upload', 'Download') {
                $row = Get-Check $run "$direction$n"
                $row.Result | Should -Be 'Passed' -Because $row.Detail
                $row.Observed | Should -Match '^[\d,.]+ MiB/s$'
            }
        }
        (Get-Check $run RecommendedThrottleLimit).Observed | Should -BeIn '1', '2', '4', '8', '10'
        (Get-Check $run CleanUp).Result | Should -Be 'Passed'
        (Get-EmulatorState $script:Http).Tree | Should -Be $before.Tree
    }
}

Describe 'The VaultConnectionCheck table' {
    It 'fits 80 columns: Check, Result, Observed, Duration, Detail last' {
        Reset-TestEmulator -Emulator $script:Http
        Connect-Vault -Vault $script:Http.BaseUrl -Credential $script:Http.Users.jane.Credential
        try {
            $text = Test-VaultConnection -ReadOnly | Out-String -Width 80
        } finally {
            Disconnect-Vault
        }
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Check\s+Result\s+Observed\s+Duration\s+Detail$'
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 }
        $text | Should -Match '(?m)^ListStaging\s+Passed\s'
        # A check under a second shows its milliseconds, not "0.0 s".
        $text | Should -Match '(?m)^ListStaging\s+Passed\s.*\s\d+ ms\s'
    }
}

Describe 'Test-VaultConnection shows no secret' {
    It 'writes no session id, password or token in any stream, -Verbose and -Debug included' {
        Reset-TestEmulator -Emulator $script:Http
        $jane = $script:Http.Users.jane
        $sessionId = New-TestVaultSession -User jane -Emulator $script:Http
        Connect-Vault -Vault $script:Http.BaseUrl -SessionId (ConvertTo-SecureString $sessionId -AsPlainText -Force)
        try {
            $text = Test-VaultConnection -Verbose -Debug *>&1 | ForEach-Object { $_ | Format-List * | Out-String -Width 500 } | Out-String
        } finally {
            Disconnect-Vault
        }
        $text | Should -Match 'SessionPathForm'
        $text | Should -Match 'SessionId'
        $text.Contains($sessionId) | Should -BeFalse
        $text.Contains($jane.Password) | Should -BeFalse
        $text.Contains($jane.Token) | Should -BeFalse
    }
}

Describe 'Test-VaultConnection when the login no longer holds' {
    It 'fails Login with Vault''s error type, skips what needs it, and writes nothing' {
        Reset-TestEmulator -Emulator $script:Http
        $sessionId = New-TestVaultSession -User jane -Emulator $script:Http
        Connect-Vault -Vault $script:Http.BaseUrl -SessionId (ConvertTo-SecureString $sessionId -AsPlainText -Force)
        try {
            Reset-TestEmulator -Emulator $script:Http   # ends every session on the emulator
            $null = Invoke-EmulatorControl -Method Delete -Path log -Emulator $script:Http
            $checks = @(Test-VaultConnection)
        } finally {
            Disconnect-Vault -ErrorAction SilentlyContinue
        }
        $login = $checks | Where-Object Check -EQ Login
        $login.Result | Should -Be 'Failed'
        $login.Detail | Should -BeLike 'INVALID_SESSION_ID:*'
        ($checks | Where-Object Check -EQ Reach).Result | Should -Be 'Passed'
        @($checks | Where-Object { $_.Check -notin 'Reach', 'Login' } | Where-Object Result -NE 'Skipped') | Should -BeNullOrEmpty
        $log = @(foreach ($entry in (Invoke-EmulatorControl -Path log -Emulator $script:Http)) { $entry })
        @($log | Where-Object { $_.method -ne 'GET' -and $_.operation -ne 'logout' }) | Should -BeNullOrEmpty   # Disconnect-Vault logs out
    }
}

Describe 'Test-VaultConnection killed' {
    It 'cannot clean up; the next run names what is left, and the commands it gives remove it' {
        Reset-TestEmulator -Emulator $script:Http
        $before = Get-EmulatorState $script:Http
        # The first part is held at the emulator: by then the test folder, a file and a session exist.
        $fault = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'upload'; delayMs = 60000; count = 1 } -Emulator $script:Http
        $child = Invoke-TestVaultConnection $script:Http -NoWait
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (@((Invoke-EmulatorControl -Path faults -Emulator $script:Http).id) -contains $fault.id) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The child never sent its first part.' }
                Start-Sleep -Milliseconds 50
            }
        } finally {
            $child.Kill($true)
            $child.WaitForExit()
            $child.Dispose()
        }
        $left = Get-EmulatorState $script:Http
        $left.Tree | Should -Not -Be $before.Tree -Because 'a killed process cannot remove its folder'
        $left.Sessions | Should -Not -Be $before.Sessions -Because 'nor abort its session'

        Connect-Vault -Vault $script:Http.BaseUrl -Credential $script:Http.Users.jane.Credential
        try {
            $listStaging = Test-VaultConnection -ReadOnly | Where-Object Check -EQ ListStaging
            $listStaging.Result | Should -Be 'Warning'
            $listStaging.Detail | Should -Match '1 folder\(s\) of earlier runs of Test-VaultConnection are still there \(/VaultStaging-Test-'
            # The commands the Detail gives, as a script runs them.
            Get-VaultStagingItem -Path / -Filter 'VaultStaging-Test-*' | Remove-VaultStagingItem -Recurse -Confirm:$false
            Get-VaultUploadSession | Where-Object Path -Like '*/VaultStaging-Test-*' | Remove-VaultUploadSession -Confirm:$false
        } finally {
            Disconnect-Vault
        }
        $after = Get-EmulatorState $script:Http
        $after.Tree | Should -Be $before.Tree
        $after.Sessions | Should -Be $before.Sessions
    }
}
