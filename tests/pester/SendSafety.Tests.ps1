#Requires -Version 7.0
# "Uploads that never lie": each case a close review of Send-VaultFile found, end to end against the
# emulator in a real pwsh. The emulator's request log is the proof of what was (and was not) called.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:emu = Start-TestEmulator
    $script:jane = $emu.Users['jane']
    $script:admin = $emu.Users['admin']
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-safety-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $ProgressPreference = 'SilentlyContinue'

    function New-RandomFile([string] $Name, [long] $Bytes, [int] $Seed = 1) { New-TestFile -Folder $script:work -Name $Name -Bytes $Bytes -Seed $Seed }
    function Get-Log { Get-EmulatorLog }
    function Add-Fault([hashtable] $Fault) { $null = Invoke-EmulatorControl -Method Post -Path faults -Body $Fault }

    # Runs a Send-VaultFile in a runspace of its own and stops it (as Ctrl+C does) once $Until is true.
    function Stop-SendMidway([string] $Command, [scriptblock] $Until, [string] $User = 'jane') {
        $u = $script:emu.Users[$User]
        $ps = [powershell]::Create()
        $null = $ps.AddScript(@"
Import-Module '$(Get-TestModulePath)'
`$ProgressPreference = 'SilentlyContinue'
Connect-Vault -Vault '$($script:emu.BaseUrl)' -Credential ([pscredential]::new('$($u.UserName)', (ConvertTo-SecureString '$($u.Password)' -AsPlainText -Force)))
$Command
"@)
        $pending = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (& $Until)) {
            if ($pending.IsCompleted -or [DateTime]::UtcNow -gt $deadline) {
                $errors = $ps.Streams.Error | Out-String
                $ps.Dispose()
                throw "The upload ended (or never got there) before it could be stopped: $errors"
            }
            Start-Sleep -Milliseconds 50
        }
        $ps.Stop()
        $ps.Dispose()
    }

    # A fault leaves the emulator's list once a request has taken it: then that request is at the vault.
    # (The log gets an entry only when its request has ended.)
    function Test-FaultTaken { @(foreach ($f in (Invoke-EmulatorControl -Path faults)) { $f }).Count -eq 0 }

    function Connect-As([string] $User) { Connect-Vault -Vault $script:emu.BaseUrl -Credential $script:emu.Users[$User].Credential }
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'Send-VaultFile never reports success for something that did not happen' {
    BeforeEach {
        Reset-TestEmulator
        Connect-As jane
    }

    It 'case 2: with -ErrorAction Stop, nothing it started runs after it has thrown' {
        $a = New-RandomFile 'stop/a.bin' 11MB -Seed 2        # 3 parts: it reaches its commit first
        $b = New-RandomFile 'stop/b.bin' 51MB -Seed 3        # 11 slow parts each: still sending then
        $c = New-RandomFile 'stop/c.bin' 51MB -Seed 4
        Add-Fault @{ kind = 'slow'; operation = 'upload'; delayMs = 300; count = -1 }
        Add-Fault @{ kind = 'http-status'; operation = 'commit'; status = 400 }      # not a passing failure: a's upload fails

        { Send-VaultFile -LiteralPath $a, $b, $c -Destination '/stop/' -UploadMethod UploadSession -ThrottleLimit 3 -ErrorAction Stop } | Should -Throw -ErrorId 'HTTP_ERROR*'
        $returned = [DateTimeOffset]::UtcNow
        # Parts still on their way would arrive meanwhile (each takes 300 ms; b and c have 8 more each).
        Start-Sleep -Seconds 2
        $uploads = @(Get-Log | Where-Object operation -eq 'upload')
        @($uploads | Select-Object -ExpandProperty uploadSessionId -Unique).Count | Should -Be 3 -Because 'the three files were on their way when one failed'
        # The log stamps each request when it arrived (and lists it once it has ended).
        $late = @(Get-Log | Where-Object { [DateTimeOffset]$_.time -gt $returned })
        $late | ForEach-Object { "$($_.method) $($_.operation) $($_.partNumber)" } | Should -BeNullOrEmpty -Because 'no request may leave after the cmdlet has returned'
        Disconnect-Vault       # as a runbook's finally would: nothing is left to turn into retries
        Start-Sleep -Seconds 1
        $late = @(Get-Log | Where-Object { [DateTimeOffset]$_.time -gt $returned -and $_.operation -ne 'logout' })
        $late | ForEach-Object { "$($_.method) $($_.operation) $($_.partNumber)" } | Should -BeNullOrEmpty
    }

    # Case 3 (after Ctrl+C, each unfinished session and the commands to resume or abort it) is an xunit test,
    # StopLongRunningTests.After_Stop_the_host_is_told_...: a console's Ctrl+C reaches the cmdlet as
    # PowerShell.Stop(), and what it then says goes to the host, which only an in-process host can record.

    It 'case 4: two local files for one staging path are refused before anything is sent, naming both' {
        $one = New-RandomFile 'dup/a/same.bin' 100 -Seed 6
        $two = New-RandomFile 'dup/b/same.bin' 200 -Seed 7
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $failure = { Get-ChildItem (Join-Path $work 'dup') -Recurse -File | Send-VaultFile -Destination '/flat/' -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        "$failure" | Should -BeLike "*$one*"
        "$failure" | Should -BeLike "*$two*"
        "$failure" | Should -BeLike '*/flat/same.bin*'
        @(Get-Log | Where-Object method -ne 'GET').Count | Should -Be 0
    }

    It 'case 5: a session made without -Overwrite is not resumed by a run with -Overwrite' {
        $new = New-RandomFile 'ow/new.bin' 16MB -Seed 9
        Add-Fault @{ kind = 'slow'; operation = 'upload'; partNumber = 3; delayMs = 60000 }
        Stop-SendMidway "Send-VaultFile -LiteralPath '$new' -Destination '/ow/file.bin' -UploadMethod UploadSession" { Test-FaultTaken }
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        # A file that came meanwhile (a send without -Overwrite onto a file is refused before any session).
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001400/ow/file.bin'; kind = 'file'; size = 16MB; seed = 8 }
        $interrupted = Get-VaultUploadSession | Where-Object Path -like '*/ow/file.bin'
        $interrupted.Overwrite | Should -BeFalse

        # Active a moment ago and made without -Overwrite: it may be another upload, so it is left alone.
        $null = Invoke-EmulatorControl -Method Delete -Path log
        Send-VaultFile -LiteralPath $new -Destination '/ow/file.bin' -UploadMethod UploadSession -Overwrite -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'SESSION_IN_USE,*'
        "$($refused[0])" | Should -BeLike "*$($interrupted.Id)*without -Overwrite*Remove-VaultUploadSession*-Force*"
        @(Get-Log | Where-Object { $_.operation -in 'create', 'upload', 'commit', 'abort' }).Count | Should -Be 0

        # -Force aborts it (a warning) and replaces the file, as -Overwrite asked.
        $result = Send-VaultFile -LiteralPath $new -Destination '/ow/file.bin' -UploadMethod UploadSession -Overwrite -Force -Wait -PassThru -WarningVariable warned
        "$warned" | Should -BeLike "*Aborted upload session $($interrupted.Id)*"
        $result.Resumed | Should -BeFalse
        $result.Status | Should -Be 'Staged'
        (Get-StagedFile '/u10001400/ow/file.bin').sha256 | Should -Be (Get-TestSha256 $new)
    }

    It 'case 6: an active session whose parts differ is neither aborted nor written to' {
        $mine = New-RandomFile 'other/mine.bin' 11MB -Seed 10
        $theirs = New-RandomFile 'other/theirs.bin' 11MB -Seed 11
        Add-Fault @{ kind = 'slow'; operation = 'upload'; partNumber = 2; delayMs = 60000 }
        Stop-SendMidway "Send-VaultFile -LiteralPath '$theirs' -Destination '/shared/x.bin' -UploadMethod UploadSession" { Test-FaultTaken }
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $other = Get-VaultUploadSession | Where-Object Path -like '*/shared/x.bin'
        $null = Invoke-EmulatorControl -Method Delete -Path log

        Send-VaultFile -LiteralPath $mine -Destination '/shared/x.bin' -UploadMethod UploadSession -ErrorVariable refused -ErrorAction SilentlyContinue

        $refused[0].FullyQualifiedErrorId | Should -BeLike 'SESSION_IN_USE,*'
        "$($refused[0])" | Should -BeLike "*$($other.Id)*differ from the local file by MD5*"
        @(Get-Log | Where-Object { $_.operation -in 'abort', 'upload', 'commit', 'create' }).Count | Should -Be 0
        (Get-VaultUploadSession -Id $other.Id).Uploaded | Should -Be $other.Uploaded
    }

    It 'case 6: an idle session whose parts differ is aborted with a warning, and -WhatIf aborts nothing' {
        $file = New-RandomFile 'idle/x.bin' 11MB -Seed 12
        $idle = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
            owner = 10001400; path = '/u10001400/idle/x.bin'; size = 11MB; uploaded = 5MB; uploadedParts = 1
            createdDate = (Get-Date).ToUniversalTime().AddHours(-2).ToString('o')
        }
        $null = Invoke-EmulatorControl -Method Delete -Path log

        Send-VaultFile -LiteralPath $file -Destination '/idle/x.bin' -UploadMethod UploadSession -WhatIf
        @(Get-Log | Where-Object { $_.method -ne 'GET' -and $_.operation -ne 'auth' }).Count | Should -Be 0

        $result = Send-VaultFile -LiteralPath $file -Destination '/idle/x.bin' -UploadMethod UploadSession -PassThru -WarningVariable warned
        "$warned" | Should -BeLike "*Aborted upload session $($idle.id) for*"
        $result.Resumed | Should -BeFalse
        (Get-StagedFile '/u10001400/idle/x.bin').sha256 | Should -Be (Get-TestSha256 $file)
    }

    It "case 6: another user's session for the same path is never touched" {
        $file = New-RandomFile 'foreign/x.bin' 11MB -Seed 13
        $janes = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
            owner = 10001400; path = '/u10001400/foreign/x.bin'; size = 11MB; uploaded = 5MB; uploadedParts = 1
            createdDate = (Get-Date).ToUniversalTime().AddHours(-2).ToString('o')
        }
        Connect-As admin
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $result = Send-VaultFile -LiteralPath $file -Destination '/u10001400/foreign/x.bin' -UploadMethod UploadSession -PassThru -Overwrite
        $result.UploadSessionId | Should -Not -Be $janes.id
        @(Get-Log | Where-Object { $_.uploadSessionId -eq $janes.id }).Count | Should -Be 0
        @(Get-VaultUploadSession | Where-Object Id -eq $janes.id).Count | Should -Be 1
    }

    It 'case 7: without -Wait the status says the job was not checked; with -Wait a failed job is an error' {
        $first = New-RandomFile 'jobs/first.bin' 6MB -Seed 14
        $second = New-RandomFile 'jobs/second.bin' 6MB -Seed 15
        (Send-VaultFile -LiteralPath $first -Destination '/jobs/file.bin' -UploadMethod UploadSession -PassThru).Status | Should -Be 'CommitAccepted'
        # A file that appears once the session exists (here: made between the create and the first part, which
        # waits): the commit job fails and the file that came first stays.
        Add-Fault @{ kind = 'slow'; operation = 'upload'; delayMs = 3000 }
        $u = $script:emu.Users['jane']
        $ps = [powershell]::Create()
        $null = $ps.AddScript(@"
Import-Module '$(Get-TestModulePath)'
`$ProgressPreference = 'SilentlyContinue'
Connect-Vault -Vault '$($script:emu.BaseUrl)' -Credential ([pscredential]::new('$($u.UserName)', (ConvertTo-SecureString '$($u.Password)' -AsPlainText -Force)))
Send-VaultFile -LiteralPath '$second' -Destination '/jobs/later.bin' -UploadMethod UploadSession -Wait -PassThru
"@)
        $pending = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-Log | Where-Object operation -eq 'create').Count -lt 2) {
            if ([DateTime]::UtcNow -gt $deadline) { $ps.Dispose(); throw 'The second upload never created its session.' }
            Start-Sleep -Milliseconds 50
        }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001400/jobs/later.bin'; kind = 'file'; size = 10 }
        $output = $ps.EndInvoke($pending)
        $failed = @($ps.Streams.Error)
        $ps.Dispose()
        $output.Count | Should -Be 0
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'JOB_ERRORS_ENCOUNTERED,*'
        "$($failed[0])" | Should -BeLike '*was not staged*'
        (Get-StagedFile '/u10001400/jobs/later.bin').size | Should -Be 10
    }

    It 'case 8: an upload that fails after its session was made reads the same from Send and from Sync' {
        # Over 50,000,000 bytes, so Sync sends it through a session too; sparse: nothing is written.
        $big = Join-Path $work 'same-words/big.bin'
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $big)
        $stream = [IO.File]::Create($big); $stream.SetLength(50000001); $stream.Dispose()
        Add-Fault @{ kind = 'http-status'; operation = 'upload'; status = 500; count = -1 }

        Send-VaultFile -LiteralPath $big -Destination '/words-send/big.bin' -ErrorVariable bySend -ErrorAction SilentlyContinue
        Sync-VaultStagingFolder -Path (Split-Path $big) -Destination '/words-sync' -ErrorVariable bySync -ErrorAction SilentlyContinue

        foreach ($e in $bySend[0], $bySync[0]) {
            $e.FullyQualifiedErrorId | Should -BeLike 'HTTP_ERROR,*'
            "$e" | Should -BeLike '*stays active*To resume it, run: Send-VaultFile -LiteralPath*'
            "$e" | Should -BeLike "*The answer did not come from Vault's API*"
            "$e" | Should -Match '\(Vault execution id [0-9a-f-]{36}\.\)$'
        }
    }

    It 'case 7b: a large file onto a staged file, without -Overwrite, is refused before any session is made' {
        $first = New-RandomFile 'taken-large/first.bin' 6MB -Seed 18
        $second = New-RandomFile 'taken-large/second.bin' 6MB -Seed 19
        (Send-VaultFile -LiteralPath $first -Destination '/taken-large/file.bin' -UploadMethod UploadSession -Wait -PassThru).Status | Should -Be 'Staged'
        $null = Invoke-EmulatorControl -Method Delete -Path log

        Send-VaultFile -LiteralPath $second -Destination '/taken-large/file.bin' -UploadMethod UploadSession -PassThru -ErrorVariable refused -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS,*'
        "$($refused[0])" | Should -BeLike "*A file is already at /taken-large/file.bin; it was kept, and $second was not sent.*Add -Overwrite to replace it.*"
        @(Get-Log | Where-Object { $_.operation -in 'create', 'upload', 'commit' }).Count | Should -Be 0
        (Get-StagedFile '/u10001400/taken-large/file.bin').sha256 | Should -Be (Get-TestSha256 $first)
        (Send-VaultFile -LiteralPath $second -Destination '/taken-large/file.bin' -UploadMethod UploadSession -Overwrite -Wait -PassThru).Status | Should -Be 'Staged'
        (Get-StagedFile '/u10001400/taken-large/file.bin').sha256 | Should -Be (Get-TestSha256 $second)
    }

    It 'case 7: a commit whose answer was lost is sent once, and the listing says it is staged; no session is left to resume' {
        $file = New-RandomFile 'lost/commit.bin' 6MB -Seed 16
        Add-Fault @{ kind = 'close-after-apply'; operation = 'commit' }
        $result = Send-VaultFile -LiteralPath $file -Destination '/lost/commit.bin' -UploadMethod UploadSession -PassThru -ErrorVariable failed -WarningVariable warned
        $failed.Count | Should -Be 0
        "$warned" | Should -Not -BeLike '*stays active*'
        $result.Status | Should -Be 'Staged'
        @(Get-Log | Where-Object operation -eq 'commit').Count | Should -Be 1
        (Get-StagedFile '/u10001400/lost/commit.bin').sha256 | Should -Be (Get-TestSha256 $file)
    }

    It 'case 7: a lost commit whose job has not ended is CommittedJobUnknown, never a resume' {
        $file = New-RandomFile 'lost/running.bin' 6MB -Seed 17
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ jobDurationMs = 3000 }
        try {
            Add-Fault @{ kind = 'drop'; operation = 'commit'; apply = $true }
            $result = Send-VaultFile -LiteralPath $file -Destination '/lost/running.bin' -UploadMethod UploadSession -PassThru -ErrorVariable failed -WarningVariable warned
        } finally {
            $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ jobDurationMs = 0 }
        }
        $failed.Count | Should -Be 0
        "$warned" | Should -Not -BeLike '*resume*'
        $result.Status | Should -Be 'CommittedJobUnknown'
        @(Get-Log | Where-Object operation -eq 'commit').Count | Should -Be 1
    }
}

Describe 'Send-VaultFile for small files and folder trees' {
    BeforeEach {
        Reset-TestEmulator
        Connect-As jane
    }

    It 'sends a small file in one call, checked by MD5, making the missing folders' {
        $file = New-RandomFile 'direct/report.pdf' 20000 -Seed 20
        $result = Send-VaultFile -LiteralPath $file -Destination '/a/b/c/' -PassThru
        $result.Method | Should -Be 'Direct'
        $result.Status | Should -Be 'Staged'
        $result.Md5 | Should -Be (Get-FileHash -Algorithm MD5 -LiteralPath $file).Hash.ToLowerInvariant()
        (Get-StagedFile '/u10001400/a/b/c/report.pdf').sha256 | Should -Be (Get-TestSha256 $file)
        $log = @(Get-Log)
        @($log | Where-Object { $_.operation -in 'create', 'upload', 'commit', 'job' }).Count | Should -Be 0 -Because 'no session and no job for a small file'
        @($log | Where-Object { $_.operation -eq 'item-create' }).Count | Should -BeLessOrEqual 7
    }

    It 'sends a small file again when Vault stored something else' {
        $file = New-RandomFile 'direct/damaged.bin' 3000 -Seed 21
        Add-Fault @{ kind = 'corrupt-file'; operation = 'item-create' }
        $result = Send-VaultFile -LiteralPath $file -Destination '/damaged.bin' -PassThru -Verbose 4>&1 | Where-Object { $_ -is [VaultStaging.Transfer.UploadResult] }
        $result.Status | Should -Be 'Staged'
        @(Get-Log | Where-Object operation -eq 'item-create').Count | Should -Be 2
        (Get-StagedFile '/u10001400/damaged.bin').sha256 | Should -Be (Get-TestSha256 $file)
    }

    It 'stages an empty file' {
        $empty = Join-Path $work 'empty.txt'; $null = New-Item -ItemType File -Force -Path $empty
        (Send-VaultFile -LiteralPath $empty -Destination '/e/' -PassThru).Status | Should -Be 'Staged'
        (Get-StagedFile '/u10001400/e/empty.txt').size | Should -Be 0
    }

    It 'recreates a local tree under the destination with -Recurse, one result per file' {
        $root = Join-Path $work 'tree'
        $files = @(
            New-RandomFile 'tree/top.txt' 10 -Seed 30
            New-RandomFile 'tree/sub/one.bin' 1000 -Seed 31
            New-RandomFile 'tree/sub/deeper/two #2 100%+.bin' 2000 -Seed 32
        )
        $results = Send-VaultFile -Path $root -Recurse -Destination '/tree-copy' -PassThru
        $results.Count | Should -Be 3
        ($results.Destination | Sort-Object) | Should -Be @('/tree-copy/sub/deeper/two #2 100%+.bin', '/tree-copy/sub/one.bin', '/tree-copy/top.txt')
        (Get-StagedFile '/u10001400/tree-copy/sub/deeper/two #2 100%+.bin').sha256 | Should -Be (Get-TestSha256 $files[2])
    }

    It 'refuses a folder without -Recurse' {
        $null = New-RandomFile 'folder-only/f.txt' 10
        { Send-VaultFile -LiteralPath (Join-Path $work 'folder-only') -Destination '/x/' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
    }

    It 'says what is in the way when a name is taken: a file where a folder is meant, a file without -Overwrite, a folder without a trailing /' {
        $file = New-RandomFile 'taken/one.txt' 100 -Seed 30
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001400/taken/a.txt'; kind = 'file'; size = 10 }
        $e = { Send-VaultFile -LiteralPath $file -Destination '/taken/a.txt/' -ErrorAction Stop } | Should -Throw -ErrorId 'ITEM_NAME_EXISTS*' -PassThru
        "$($e.ErrorDetails.Message)" | Should -BeLike '*A file named a.txt is already at /taken/a.txt, where a folder is needed*'
        $e = { Send-VaultFile -LiteralPath $file -Destination '/taken/a.txt' -ErrorAction Stop } | Should -Throw -ErrorId 'ITEM_NAME_EXISTS*' -PassThru
        "$($e.ErrorDetails.Message)" | Should -BeLike '*A file is already at /taken/a.txt*Add -Overwrite*'
        $e = { Send-VaultFile -LiteralPath $file -Destination '/taken' -ErrorAction Stop } | Should -Throw -ErrorId 'ITEM_NAME_EXISTS*' -PassThru
        "$($e.ErrorDetails.Message)" | Should -BeLike "*/taken is a folder*end -Destination with '/'*"
        (Get-StagedFile '/u10001400/taken/a.txt').size | Should -Be 10
    }
}
