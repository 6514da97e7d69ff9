#Requires -Version 7.0
# Sync-VaultStagingFolder where the two sides disagree on what a path is, where the source is missing, and
# where the pwsh running it is killed part way and the same command is run again: end to end, the built
# module in a real pwsh, the emulator as a child process, real files. The emulator's log and tree are the proof.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:emu = Start-TestEmulator
    $script:jane = $emu.Users['jane']
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-sync-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $ProgressPreference = 'SilentlyContinue'

    function Connect-Jane { Connect-Vault -Vault $script:emu.BaseUrl -Credential $script:jane.Credential }
    function Clear-Log { $null = Invoke-EmulatorControl -Method Delete -Path log }
    # Jane's file or folder, put straight into the emulator's tree (path below her folder).
    function Add-Staged([string] $Path, [string] $Text, [switch] $Folder) {
        $body = @{ path = "/u10001400$Path"; kind = $(if ($Folder) { 'folder' } else { 'file' }) }
        if (-not $Folder) { $body.contentBase64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)) }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body $body
    }
    function Test-Staged([string] $Path) { (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString("/u10001400$Path"))).exists }
    function Add-LocalFile([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        Set-Content -LiteralPath $Path -Value $Text -NoNewline
    }
    # After a kill: the calls the child left in flight end (answered to no one, or dropped) before the log is read.
    function Wait-LogQuiet {
        $count = -1
        while ($true) {
            Start-Sleep -Milliseconds 1000
            $now = @(Get-EmulatorLog).Count
            if ($now -eq $count) { return }
            $count = $now
        }
    }
    # Every call that changes the staging server (item creates and deletes, moves, sessions, parts, commits).
    function Get-WriteCalls { @(Get-EmulatorLog | Where-Object { $_.method -ne 'GET' -and $_.operation -notin 'auth', 'logout', 'keep-alive' }) }
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'A file on one side where the other has a folder (-Direction <Direction>, -Delete)' -ForEach @(
    @{ Direction = 'Upload' }, @{ Direction = 'Download' }
) {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        $script:up = $Direction -eq 'Upload'
        # x: a file at the source, a folder with three items at the target. y: the other way round.
        $script:local = Join-Path $work "conflict-$Direction"
        if ($up) {
            Add-LocalFile (Join-Path $local 'x') 'the file x'
            Add-Staged '/c/x/a.txt' 'a'
            Add-Staged '/c/x/inner/b.txt' 'b'
            Add-LocalFile (Join-Path $local 'y/a.txt') 'a'
            Add-LocalFile (Join-Path $local 'y/inner/b.txt') 'b'
            Add-Staged '/c/y' 'the file y'
        } else {
            Add-Staged '/c/x' 'the file x'
            Add-LocalFile (Join-Path $local 'x/a.txt') 'a'
            Add-LocalFile (Join-Path $local 'x/inner/b.txt') 'b'
            Add-Staged '/c/y/a.txt' 'a'
            Add-Staged '/c/y/inner/b.txt' 'b'
            Add-LocalFile (Join-Path $local 'y') 'the file y'
        }
        # Something to do beside the conflicts: a file the target lacks and one the source lacks.
        if ($up) { Add-LocalFile (Join-Path $local 'new.txt') 'new'; Add-Staged '/c/old.txt' 'old' }
        else { Add-Staged '/c/new.txt' 'new'; Add-LocalFile (Join-Path $local 'old.txt') 'old' }
    }

    It 'run <Run>: leaves both paths and everything below them as they are, reports each conflict with what to do, and syncs the rest; the same on the next run' -ForEach @(@{ Run = 1 }, @{ Run = 2 }) {
        Clear-Log
        $records = Sync-VaultStagingFolder -Path $local -Destination /c -Direction $Direction -Delete -Force -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue

        $failures.Count | Should -Be 2
        foreach ($f in $failures) {
            $f.FullyQualifiedErrorId | Should -BeLike 'SYNC_CONFLICT,*'
            $f.CategoryInfo.Category | Should -Be 'ResourceExists'
            "$f" | Should -Match 'Rename or remove one of them'
            "$f" | Should -Match 'Remove-VaultStagingItem'
        }
        # x/a.txt, x/inner and x/inner/b.txt; the same three below y.
        "$($failures | Where-Object TargetObject -EQ 'x')" | Should -Match 'a folder is in the way of this file on the target; it and the 3 item\(s\) below it were left as they are'
        "$($failures | Where-Object TargetObject -EQ 'y')" | Should -Match 'a file is in the way of this folder on the target; it and the 3 item\(s\) below it were left as they are'
        $failed = @($records | Where-Object Action -EQ 'Failed')
        $failed.RelativePath | Sort-Object | Should -Be @('x', 'y')
        if ($Run -eq 1) {
            ($records | Where-Object Action -EQ $(if ($up) { 'Uploaded' } else { 'Downloaded' })).RelativePath | Should -Be 'new.txt'
            ($records | Where-Object Action -EQ 'Deleted').RelativePath | Should -Be 'old.txt'
        }

        # Nothing under x or y was deleted, sent or made, on either side.
        if ($up) {
            (Test-Staged '/c/x/a.txt') | Should -BeTrue
            (Test-Staged '/c/x/inner/b.txt') | Should -BeTrue
            (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/c/y'))).kind | Should -Be 'file'
            @(Get-WriteCalls | Where-Object itemPath -Match '^/c/[xy](/|$)').Count | Should -Be 0
        } else {
            Test-Path -LiteralPath (Join-Path $local 'x/a.txt') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $local 'x/inner/b.txt') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $local 'y') -PathType Leaf | Should -BeTrue
            Get-Content -Raw -LiteralPath (Join-Path $local 'y') | Should -Be 'the file y'
            @(Get-EmulatorLog | Where-Object { $_.operation -eq 'content' -and $_.itemPath -match '^/c/[xy](/|$)' }).Count | Should -Be 0
        }
    }
}

Describe 'A sync whose source does not exist' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
    }

    It 'downloads nothing and makes no local folder when the staging folder does not exist' {
        $local = Join-Path $work 'never-made/below'
        $e = { Sync-VaultStagingFolder -Path $local -Destination /no/such/folder -Direction Download -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ItemNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$e" | Should -Match '/no/such/folder'
        "$e" | Should -Not -Match '   at '
        Test-Path -LiteralPath (Join-Path $work 'never-made') | Should -BeFalse
    }

    It 'uploads nothing and makes no staging folder when the local folder does not exist' {
        Clear-Log
        $e = { Sync-VaultStagingFolder -Path (Join-Path $work 'no-such-local') -Destination /made/by/nobody -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        "$e" | Should -Match 'no-such-local.*does not exist'
        @(Get-WriteCalls).Count | Should -Be 0
        Test-Staged '/made' | Should -BeFalse
    }
}

Describe 'A sync -Delete whose delete job does not end in SUCCESS' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
    }

    # One home (ItemChange) starts and waits for every item job, so a failed delete reads as Remove-VaultStagingItem's does.
    It 'reports the job as the item cmdlets do (JOB_ and the status: what the job did, its id and status, what did not happen) and a Failed record' {
        $local = Join-Path $work 'job-fails'
        $null = New-Item -ItemType Directory -Force -Path $local
        Add-Staged '/job-fails/vanishing.txt' 'v'
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ itemJobDurationMs = 1500 }
        Clear-Log
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m, $c, $l) Import-Module $m; $r = Sync-VaultStagingFolder -Path $l -Destination /job-fails -Delete -Force -PassThru -Connection $c -ErrorVariable errs -ErrorAction SilentlyContinue; [pscustomobject]@{ Records = @($r); Errors = @($errs) }').AddArgument((Get-TestModulePath)).AddArgument((Get-VaultConnection)).AddArgument($local)
            $pending = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not @(Get-EmulatorLog | Where-Object operation -EQ 'item-delete').Count) {
                if ([DateTime]::UtcNow -gt $deadline -or $pending.IsCompleted) { throw 'The sync never started its delete job.' }
                Start-Sleep -Milliseconds 50
            }
            # Another tool removes the file while the job runs: the job ends ERRORS_ENCOUNTERED.
            $null = Invoke-EmulatorControl -Method Delete -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/job-fails/vanishing.txt'))
            $result = @($ps.EndInvoke($pending))[0]
        } finally {
            $ps.Dispose()
            $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ itemJobDurationMs = -1 }
        }
        $result.Errors.Count | Should -Be 1
        $e = $result.Errors[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'JOB_ERRORS_ENCOUNTERED*'
        "$e" | Should -Match 'Delete /job-fails/vanishing\.txt: job \d+ ended with ERRORS_ENCOUNTERED; the item was not deleted\.'
        "$e" | Should -Match 'Get-VaultJob -Id \d+ shows the job'
        $result.Records.Action | Should -Be 'Failed'
    }
}

Describe 'A sync whose pwsh is killed part way, run again' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        # 40 small files in four folders (sent whole, one call each) and one of 60 MB (an upload session of 12 parts).
        $script:tree = Join-Path $work 'killed-tree'
        foreach ($folder in 'f1', 'f2', 'f3', 'f4 space') {
            foreach ($n in 1..10) { $null = New-TestFile -Folder (Join-Path $tree $folder) -Name ('file-{0:d2}.bin' -f $n) -Bytes (1000 * $n + 7) -Seed $n }
        }
        $null = New-TestFile -Folder $tree -Name 'big/video.bin' -Bytes 60MB -Seed 99
    }

    It 'finishes the job, sends nothing again that was already there, and leaves the staging folder equal to the local one' {
        # Every small file takes half a second at the vault and the big file's fourth part hangs there, so the
        # child (two transfers at a time) is killed in the middle: some files staged, some not, a session half done.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'item-create'; delayMs = 500; count = -1 }
        $hang = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'upload'; partNumber = 4; delayMs = 120000 }
        $command = "Sync-VaultStagingFolder -Path '$tree' -Destination /killed -ThrottleLimit 2"
        $childScript = @"
Import-Module '$(Get-TestModulePath)'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
$command
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $childScript) -PassThru `
            -RedirectStandardOutput (Join-Path $work 'killed-sync.out') -RedirectStandardError (Join-Path $work 'killed-sync.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        # A fault that a request has taken leaves the list: then the fourth part is at the vault.
        while (@((Invoke-EmulatorControl -Path faults) | ForEach-Object { $_ } | Where-Object id -EQ $hang.id).Count -gt 0 -or
            @(Get-EmulatorLog | Where-Object { $_.operation -eq 'item-create' -and $_.responseStatus -eq 'SUCCESS' -and $_.itemPath -like '*.bin' }).Count -lt 6) {
            if ($child.HasExited -or [DateTime]::UtcNow -gt $deadline) { if (-not $child.HasExited) { $child.Kill($true) }; throw "The child sync never got half way: $(Get-Content -Raw (Join-Path $work 'killed-sync.err'))" }
            Start-Sleep -Milliseconds 100
        }
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        Wait-LogQuiet

        $ok = { $_.status -eq 200 -and $_.responseStatus -eq 'SUCCESS' }
        $first = @(Get-EmulatorLog | Where-Object $ok)
        $stagedFirst = @($first | Where-Object operation -EQ 'item-create' | ForEach-Object itemPath)
        $partsFirst = @($first | Where-Object operation -EQ 'upload' | ForEach-Object partNumber)
        $localFiles = @(Get-ChildItem -LiteralPath $tree -Recurse -File)
        $stagedFirst.Count | Should -BeGreaterThan 0 -Because 'the first run staged some files'
        @($stagedFirst | Where-Object { $_ -like '*.bin' }).Count | Should -BeLessThan 40 -Because 'it was killed before staging them all'
        $partsFirst.Count | Should -BeIn (1..11) -Because 'the upload session was half done'

        $records = Invoke-Expression "$command -PassThru -ErrorVariable failures"

        $failures.Count | Should -Be 0
        @($records | Where-Object Action -EQ 'Failed').Count | Should -Be 0
        # What the first run staged is skipped, not sent again; every file and folder was made exactly once.
        foreach ($r in $records | Where-Object { $_.Kind -eq 'File' -and $_.RelativePath -notlike 'big/*' }) {
            $r.Action | Should -Be $(if ("/killed/$($r.RelativePath)" -in $stagedFirst) { 'Skipped' } else { 'Uploaded' }) -Because $r.RelativePath
        }
        $all = @(Get-EmulatorLog | Where-Object $ok)
        $created = @($all | Where-Object operation -EQ 'item-create' | ForEach-Object itemPath)
        @($created | Group-Object | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'no file or folder is created twice'
        # The big file resumed its session: one session, each part sent once, one commit.
        @($all | Where-Object operation -EQ 'create').Count | Should -Be 1
        @($all | Where-Object operation -EQ 'upload' | ForEach-Object partNumber) | Sort-Object | Should -Be (1..12)
        @($all | Where-Object operation -EQ 'commit').Count | Should -Be 1
        ($records | Where-Object RelativePath -EQ 'big/video.bin').Action | Should -Be 'Uploaded'
        # The staging folder now holds every local file, byte for byte.
        foreach ($f in $localFiles) {
            $relative = $f.FullName.Substring($tree.Length + 1).Replace('\', '/')
            (Get-StagedFile "/u10001400/killed/$relative").sha256 | Should -Be (Get-TestSha256 $f.FullName) -Because $relative
        }
        # And a third run has nothing left to do.
        Clear-Log
        $again = Invoke-Expression "$command -PassThru"
        @($again | Where-Object Action -NE 'Skipped').Count | Should -Be 0
        @(Get-WriteCalls).Count | Should -Be 0
    }
}

Describe 'A download sync whose pwsh is killed part way, run again' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        # 40 staged files in four folders, fetched two at a time.
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ root = '/u10001400/down-tree'; folders = 4; filesPerFolder = 10; size = 5000; seed = 5 }
        $script:into = Join-Path $work 'killed-down'
    }

    It 'fetches nothing again that the first run brought, and ends with the local folder equal to the staging one' {
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'content'; delayMs = 500; count = -1 }
        $command = "Sync-VaultStagingFolder -Path '$into' -Destination /down-tree -Direction Download -ThrottleLimit 2"
        $childScript = @"
Import-Module '$(Get-TestModulePath)'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
$command
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $childScript) -PassThru `
            -RedirectStandardOutput (Join-Path $work 'killed-down.out') -RedirectStandardError (Join-Path $work 'killed-down.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        $fetched = { @(Get-EmulatorLog | Where-Object { $_.operation -eq 'content' -and $_.status -in 200, 206 }) }
        while (@(& $fetched).Count -lt 6) {
            if ($child.HasExited -or [DateTime]::UtcNow -gt $deadline) { if (-not $child.HasExited) { $child.Kill($true) }; throw "The child sync never got half way: $(Get-Content -Raw (Join-Path $work 'killed-down.err'))" }
            Start-Sleep -Milliseconds 100
        }
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        Wait-LogQuiet
        $lastOfFirstRun = (@(Get-EmulatorLog)[-1]).seq
        $localAfterKill = @(Get-ChildItem -LiteralPath $into -Recurse -File | Where-Object Name -NotLike '*.vaultpart*')
        $localAfterKill.Count | Should -BeGreaterThan 0
        $localAfterKill.Count | Should -BeLessThan 40 -Because 'it was killed before fetching them all'

        $records = Invoke-Expression "$command -PassThru -ErrorVariable failures"

        $failures.Count | Should -Be 0
        $kept = $localAfterKill | ForEach-Object { $_.FullName.Substring($into.Length + 1).Replace('\', '/') }
        foreach ($r in $records | Where-Object Kind -EQ 'File') {
            $r.Action | Should -Be $(if ($r.RelativePath -in $kept) { 'Skipped' } else { 'Downloaded' }) -Because $r.RelativePath
        }
        @($records | Where-Object { $_.Kind -eq 'File' }).Count | Should -Be 40
        # The second run fetched no file the first one had brought (5000 bytes: one GET each), and none twice.
        $gets = @(Get-EmulatorLog | Where-Object { $_.seq -gt $lastOfFirstRun -and $_.operation -eq 'content' -and $_.status -in 200, 206 })
        @($gets | Where-Object { $_.itemPath.Substring('/down-tree/'.Length) -in $kept }).Count | Should -Be 0 -Because 'what was already there is not fetched again'
        @($gets | Group-Object itemPath | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'no file is fetched twice'
        foreach ($f in 1..4) {
            foreach ($n in 1..10) {
                $relative = 'folder-{0:d5}/file-{1:d5}.bin' -f $f, $n
                Get-TestSha256 (Join-Path $into $relative) | Should -Be (Get-StagedFile "/u10001400/down-tree/$relative").sha256 -Because $relative
            }
        }
        @(Get-ChildItem -LiteralPath $into -Recurse -Force -Filter '*.vaultpart*').Count | Should -Be 0
        Clear-Log
        @(Invoke-Expression "$command -PassThru" | Where-Object Action -NE 'Skipped').Count | Should -Be 0
        @(Get-EmulatorLog | Where-Object operation -EQ 'content').Count | Should -Be 0
    }
}
