#Requires -Version 7.0
# Moving files both ways and keeping folders in step, end to end: real files on disk, the built module in a
# real pwsh, the emulator as a child process. Hashes of every file and the emulator's log are the proof.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:emu = Start-TestEmulator
    $script:jane = $emu.Users['jane']
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-transfer-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $ProgressPreference = 'SilentlyContinue'

    function Get-Log { Get-EmulatorLog }
    function Add-Fault([hashtable] $Fault) { $null = Invoke-EmulatorControl -Method Post -Path faults -Body $Fault }
    function Connect-Jane { Connect-Vault -Vault $script:emu.BaseUrl -Credential $script:jane.Credential }

    # sha256 of every file below $Root, by '/'-separated relative path.
    function Get-TreeHash([string] $Root) {
        $map = @{}
        foreach ($f in Get-ChildItem -LiteralPath $Root -Recurse -File -Force) {
            $map[$f.FullName.Substring($Root.TrimEnd('/').Length + 1).Replace('\', '/')] = Get-TestSha256 $f.FullName
        }
        $map
    }

    # A tree of several hundred files: nested folders, odd names, sizes from 0 bytes to 200 MB.
    $script:source = Join-Path $work 'source'
    $names = @('plain', 'with space', 'hash#1', 'per%cent', 'plus+sign', 'ümlaut-日本')
    $i = 0
    foreach ($folder in 'a', 'a/b', 'a/b/c d', 'e', "f $($names[5])") {
        foreach ($n in 1..60) {
            $i++
            $name = "$($names[$n % $names.Count])-$n.bin"
            $null = New-TestFile -Folder (Join-Path $source $folder) -Name $name -Bytes (($n * 7919) % 150000) -Seed $i
        }
    }
    $null = New-Item -ItemType File -Force -Path (Join-Path $source 'empty.txt')
    $null = New-TestFile -Folder $source -Name 'big/video-200.mp4' -Bytes 200MB -Seed 1000
    $null = New-TestFile -Folder $source -Name 'big/submission-60.zip' -Bytes 60MB -Seed 1001
    $script:sourceHashes = Get-TreeHash $source
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'A tree goes up, comes down byte for byte, and stays in step' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
    }

    It 'sends the tree of <Count> files with Send-VaultFile -Recurse' -ForEach @(@{ Count = 303 }) {
        $sourceHashes.Count | Should -Be $Count
        $results = Send-VaultFile -Path $source -Recurse -Destination '/tree' -PassThru
        $results.Count | Should -Be $Count
        @($results | Where-Object Status -ne 'Staged').Count | Should -Be 2 -Because 'the two files over 50,000,000 bytes are committed without -Wait'
        @($results | Where-Object Method -eq 'UploadSession').Destination | Sort-Object | Should -Be @('/tree/big/submission-60.zip', '/tree/big/video-200.mp4')
        (Get-StagedFile '/u10001400/tree/big/video-200.mp4').sha256 | Should -Be $sourceHashes['big/video-200.mp4']
    }

    It 'brings it all down with Receive-VaultFile -Recurse, every file identical' {
        $down = Join-Path $work 'down'
        $results = Receive-VaultFile -Path '/tree' -Recurse -Destination $down -PassThru
        $results.Count | Should -Be $sourceHashes.Count
        $downHashes = Get-TreeHash $down
        $downHashes.Count | Should -Be $sourceHashes.Count
        foreach ($k in $sourceHashes.Keys) { $downHashes[$k] | Should -Be $sourceHashes[$k] -Because $k }
        # Remote modified dates became local write times.
        $item = (Get-ChildItem -LiteralPath (Join-Path $down 'big') -Filter 'video-200.mp4')
        $remote = (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/tree/big/video-200.mp4'))).modifiedDate
        ([DateTimeOffset]$item.LastWriteTimeUtc - [DateTimeOffset]$remote).Duration().TotalSeconds | Should -BeLessThan 1
        # A 200 MB file came in ranges of at most 50,000,000 bytes.
        @(Get-Log | Where-Object { $_.operation -eq 'content' -and $_.path -like '*video-200.mp4' }).Count | Should -BeGreaterThan 4
    }

    It 'receives again: every file is skipped as identical, nothing is fetched' {
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $results = Receive-VaultFile -Path '/tree' -Recurse -Destination (Join-Path $work 'down') -PassThru
        @($results | Where-Object Status -ne 'Skipped').Count | Should -Be 0
        @(Get-Log | Where-Object operation -eq 'content').Count | Should -Be 0
    }

    It 'syncs after three changes and one deletion: sends exactly those, and with -Delete deletes exactly that one' {
        # Nothing changed yet: one recursive listing, no transfer.
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $quiet = Sync-VaultStagingFolder -Path $source -Destination '/tree' -PassThru
        @($quiet | Where-Object Action -ne 'Skipped').Count | Should -Be 0
        @(Get-Log | Where-Object { $_.operation -notin 'items', 'auth', 'versions' }).Count | Should -Be 0
        @(Get-Log | Where-Object { $_.operation -eq 'items' -and $_.query -like '*recursive=true*' }).Count | Should -Be 1

        Start-Sleep -Seconds 3      # so the edits are newer than the uploads by more than the 2-second tolerance
        Set-Content -LiteralPath (Join-Path $source 'a/plain-6.bin') -Value 'changed, and shorter'
        Add-Content -LiteralPath (Join-Path $source 'e/plus+sign-4.bin') -Value 'one more line'
        $same = Join-Path $source 'a/b/with space-1.bin'
        $bytes = [IO.File]::ReadAllBytes($same); $bytes[0] = $bytes[0] -bxor 0xFF; [IO.File]::WriteAllBytes($same, $bytes)   # same size, newer
        Remove-Item -LiteralPath (Join-Path $source 'f ümlaut-日本/per%cent-3.bin')
        $null = Invoke-EmulatorControl -Method Delete -Path log

        $records = Sync-VaultStagingFolder -Path $source -Destination '/tree' -Delete -Force -PassThru

        ($records | Where-Object Action -eq 'Uploaded').RelativePath | Sort-Object | Should -Be @('a/b/with space-1.bin', 'a/plain-6.bin', 'e/plus+sign-4.bin')
        ($records | Where-Object Action -eq 'Deleted').RelativePath | Should -Be @('f ümlaut-日本/per%cent-3.bin')
        @($records | Where-Object Action -eq 'Failed').Count | Should -Be 0
        $log = @(Get-Log)
        @($log | Where-Object operation -eq 'item-create' | Where-Object itemPath -like '*.bin').itemPath | Sort-Object |
            Should -Be @('/a/b/with space-1.bin', '/a/plain-6.bin', '/e/plus+sign-4.bin' | ForEach-Object { "/tree$_" })
        @($log | Where-Object operation -eq 'item-delete').itemPath | Should -Be @('/tree/f ümlaut-日本/per%cent-3.bin')
        (Get-StagedFile '/u10001400/tree/a/plain-6.bin').sha256 | Should -Be (Get-TestSha256 (Join-Path $source 'a/plain-6.bin'))
        (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/tree/f ümlaut-日本/per%cent-3.bin'))).exists | Should -BeFalse
    }

    It 'syncs down the other way: the local copy gets what changed on Vault, and loses what Vault lost' {
        $down = Join-Path $work 'down'
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $records = Sync-VaultStagingFolder -Path $down -Destination '/tree' -Direction Download -Delete -Force -PassThru
        ($records | Where-Object Action -eq 'Downloaded').RelativePath | Sort-Object | Should -Be @('a/b/with space-1.bin', 'a/plain-6.bin', 'e/plus+sign-4.bin')
        ($records | Where-Object Action -eq 'Deleted').RelativePath | Should -Be @('f ümlaut-日本/per%cent-3.bin')
        $downHashes = Get-TreeHash $down
        $now = Get-TreeHash $source
        $downHashes.Count | Should -Be $now.Count
        foreach ($k in $now.Keys) { $downHashes[$k] | Should -Be $now[$k] -Because $k }
    }

    It '-WhatIf prints the plan and changes nothing' {
        Set-Content -LiteralPath (Join-Path $source 'e/new-file.txt') -Value 'new'
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $transcript = Join-Path $work 'whatif.txt'
        $null = Start-Transcript -Path $transcript
        Sync-VaultStagingFolder -Path $source -Destination '/tree' -WhatIf
        $null = Stop-Transcript
        $said = (Get-Content -Raw $transcript) -replace '\s+', ' '
        $said | Should -Match 'What if: .*new-file\.txt.*"Upload \(missing on the target\)"|What if: Performing the operation "Upload \(missing on the target\)" on target "[^"]*new-file\.txt'
        @(Get-Log | Where-Object { $_.method -ne 'GET' -and $_.operation -ne 'auth' }).Count | Should -Be 0
        Remove-Item -LiteralPath (Join-Path $source 'e/new-file.txt')
    }
}

Describe 'Receive-VaultFile keeps its promises under faults' {
    BeforeEach {
        Reset-TestEmulator
        Connect-Jane
        $script:target = Join-Path $work ("faults-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $target
    }

    It 'resumes a connection reset mid-download, bytes identical' {
        $file = New-TestFile -Folder $work -Name 'reset.bin' -Bytes 40MB -Seed 40
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        Add-Fault @{ kind = 'drop'; operation = 'content'; apply = $true; afterBytes = 3MB }
        $result = Receive-VaultFile -Path '/dl/reset.bin' -Destination "$target/" -PassThru
        $result.Status | Should -Be 'Downloaded'
        Get-TestSha256 (Join-Path $target 'reset.bin') | Should -Be (Get-TestSha256 $file)
        @(Get-Log | Where-Object { $_.operation -eq 'content' -and $_.fault -eq 'drop' }).Count | Should -Be 1
    }

    It 'refuses an answer for the wrong range and asks again' {
        $file = New-TestFile -Folder $work -Name 'range.bin' -Bytes 20MB -Seed 41
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        Add-Fault @{ kind = 'wrong-content-range'; operation = 'content' }
        Receive-VaultFile -Path '/dl/range.bin' -Destination "$target/"
        Get-TestSha256 (Join-Path $target 'range.bin') | Should -Be (Get-TestSha256 $file)
        @(Get-Log | Where-Object operation -eq 'content').Count | Should -Be 3 -Because 'two ranges, one of them asked twice'
    }

    It 'starts over when the file changes on Vault between ranges, ending with the new version' {
        # One range (of 16 MiB) more than go at once: the last is asked for after the file has changed.
        $size = [VaultStaging.Transfer.FileDownloader]::RangesInFlight * 16MB + 6MB
        $file = New-TestFile -Folder $work -Name 'changing.bin' -Bytes $size -Seed 42
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        Add-Fault @{ kind = 'change-file'; operation = 'content'; appendBytes = 1000 }
        # Every other range is answered 300 ms after it is asked for: the change (made once the first range's
        # answer is out) then lands before any of them is read, whichever range ends first.
        Add-Fault @{ kind = 'slow'; operation = 'content'; delayMs = 300; count = -1 }
        $result = Receive-VaultFile -Path '/dl/changing.bin' -Destination "$target/" -PassThru
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $result.Size | Should -Be ($size + 1000)
        (Get-Item (Join-Path $target 'changing.bin')).Length | Should -Be ($size + 1000)
        Get-TestSha256 (Join-Path $target 'changing.bin') | Should -Be (Get-StagedFile '/u10001400/dl/changing.bin').sha256
    }

    It 'resumes a stopped download from the ranges already on disk, and never shows a partial file' {
        $file = New-TestFile -Folder $work -Name 'resume.bin' -Bytes 60MB -Seed 43      # 4 ranges of 16 MiB
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        # The last range hangs: ranges are written in ascending order, so the three before it reach the disk.
        Add-Fault @{ kind = 'slow'; operation = 'content'; rangeStart = 3 * 16MB; delayMs = 60000 }
        $ps = [powershell]::Create()
        $null = $ps.AddScript(@"
Import-Module '$(Get-TestModulePath)'
`$ProgressPreference = 'SilentlyContinue'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
Receive-VaultFile -Path '/dl/resume.bin' -Destination '$target/'
"@)
        $pending = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        # Answered is not yet on disk: wait until the download's journal lists the three ranges as written.
        $journaled = { @(Get-ChildItem -LiteralPath $target -Force -Filter '*.vaultpart.done' | ForEach-Object { Get-Content -LiteralPath $_.FullName } | Where-Object { $_ }).Count }
        while (@(Get-Log | Where-Object { $_.operation -eq 'content' -and $_.status -eq 206 }).Count -lt 3 -or (& $journaled) -lt 3) {
            if ($pending.IsCompleted -or [DateTime]::UtcNow -gt $deadline) { $ps.Dispose(); throw 'the other three ranges never reached the disk' }
            Start-Sleep -Milliseconds 50
        }
        $ps.Stop()      # Ctrl+C
        $ps.Dispose()
        Join-Path $target 'resume.bin' | Should -Not -Exist -Because 'a stopped download never shows under the final name'
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $null = Invoke-EmulatorControl -Method Delete -Path log

        $result = Receive-VaultFile -Path '/dl/resume.bin' -Destination "$target/" -PassThru

        $result.Status | Should -Be 'Downloaded'
        $result.BytesResumed | Should -BeGreaterOrEqual (2 * 16MB + 12MB)       # three of the four ranges were kept
        ($result.BytesResumed + $result.BytesReceived) | Should -Be 60MB
        @(Get-Log | Where-Object operation -eq 'content').Count | Should -Be 1 -Because 'only the range that hung is fetched again'
        Get-TestSha256 (Join-Path $target 'resume.bin') | Should -Be (Get-TestSha256 $file)
        @(Get-ChildItem -LiteralPath $target -Force).Name | Should -Be @('resume.bin') -Because 'no temporary file is left'
    }

    It 'never replaces a local file that differs without -Force' {
        $file = New-TestFile -Folder $work -Name 'keep.bin' -Bytes 1000 -Seed 44
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        Set-Content -LiteralPath (Join-Path $target 'keep.bin') -Value 'my local edits'
        Receive-VaultFile -Path '/dl/keep.bin' -Destination "$target/" -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'LOCAL_FILE_EXISTS,*'
        Get-Content -LiteralPath (Join-Path $target 'keep.bin') | Should -Be 'my local edits'
        (Receive-VaultFile -Path '/dl/keep.bin' -Destination "$target/" -Force -PassThru).Status | Should -Be 'Downloaded'
        Get-TestSha256 (Join-Path $target 'keep.bin') | Should -Be (Get-TestSha256 $file)
    }

    It 'says which file when the disk is full, and leaves nothing partial' {
        $file = New-TestFile -Folder $work -Name 'full.bin' -Bytes 3MB -Seed 45
        $staged = Send-VaultFile -LiteralPath $file -Destination '/dl/' -PassThru
        $item = Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/dl/full.bin'))
        # The temporary file of this download is where the kernel says "No space left on device" (/dev/full).
        $stamp = ([DateTimeOffset]$item.modifiedDate).ToUnixTimeSeconds()
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $target ".full.bin.$($item.size)-$stamp.vaultpart") -Target '/dev/full'
        Receive-VaultFile -Path '/dl/full.bin' -Destination "$target/" -ErrorAction SilentlyContinue -ErrorVariable full
        $full[0].FullyQualifiedErrorId | Should -BeLike 'DISK_FULL,*'
        "$($full[0])" | Should -BeLike "*/dl/full.bin*$target*full.bin*"
        @(Get-ChildItem -LiteralPath $target -Force).Count | Should -Be 0
    }

    It 'refuses bad input with clear errors: <Case>' -ForEach @(
        @{ Case = 'a staging path that does not exist'; Run = { Receive-VaultFile -Path '/no/such/file.bin' -Destination "$target/" -ErrorAction Stop }; Id = 'ItemNotFound' }
        @{ Case = 'a folder without -Recurse'; Run = { Receive-VaultFile -Path '/' -Destination "$target/" -ErrorAction Stop }; Id = 'InvalidArgument' }
        @{ Case = 'a destination that is a file, with -Recurse'; Run = { Receive-VaultFile -Path '/' -Recurse -Destination (New-TestFile -Folder $target -Name 'x.txt' -Bytes 1) -ErrorAction Stop }; Id = 'InvalidArgument' }
        @{ Case = 'sync from a missing local folder'; Run = { Sync-VaultStagingFolder -Path (Join-Path $target 'nope') -Destination '/x' -ErrorAction Stop }; Id = 'InvalidArgument' }
        @{ Case = 'sync from a local file'; Run = { Sync-VaultStagingFolder -Path (New-TestFile -Folder $target -Name 'y.txt' -Bytes 1) -Destination '/x' -ErrorAction Stop }; Id = 'InvalidArgument' }
        @{ Case = 'sync down from a staging folder that does not exist'; Run = { Sync-VaultStagingFolder -Path $target -Destination '/no/such' -Direction Download -ErrorAction Stop }; Id = 'ItemNotFound' }
    ) {
        $e = { & $Run } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        "$e" | Should -Not -BeLike '*   at *'
    }

    It 'refuses a sync whose staging destination is a file' {
        $null = New-TestFile -Folder $target -Name 'src/one.txt' -Bytes 10
        Send-VaultFile -LiteralPath (New-TestFile -Folder $work -Name 'afile.bin' -Bytes 10) -Destination '/afile.bin'
        { Sync-VaultStagingFolder -Path (Join-Path $target 'src') -Destination '/afile.bin' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
    }
}

Describe 'Transfers take paths on VaultStaging drives' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        $script:drv = Join-Path $work 'drive'
        $null = New-TestFile -Folder $drv -Name 'one.txt' -Bytes 100 -Seed 70
        $null = New-TestFile -Folder $drv -Name 'sub/two.bin' -Bytes 2000 -Seed 71
        Push-Location $work
    }
    AfterAll { Pop-Location }
    AfterEach { Set-Location $work }

    It 'sends to Vault:/ and takes items from Get-ChildItem Vault: down the pipeline' {
        $sent = Send-VaultFile -Path $drv -Recurse -Destination 'Vault:/on-drive/' -PassThru
        ($sent.Destination | Sort-Object) | Should -Be @('/on-drive/one.txt', '/on-drive/sub/two.bin')
        $back = Join-Path $work 'from-drive'
        $got = Get-ChildItem Vault:/on-drive -Recurse -File | Receive-VaultFile -Destination "$back/" -PassThru
        $got.Count | Should -Be 2
        Get-TestSha256 (Join-Path $back 'two.bin') | Should -Be (Get-TestSha256 (Join-Path $drv 'sub/two.bin'))
    }

    It 'syncs to a folder given as a drive path' {
        $records = Sync-VaultStagingFolder -Path $drv -Destination 'Vault:\synced' -PassThru
        @($records | Where-Object Action -eq 'Uploaded').Count | Should -Be 3      # two files and the folder sub
        (Get-StagedFile '/u10001400/synced/sub/two.bin').exists | Should -BeTrue
    }

    It "uses the connection of another drive, and refuses to mix two vaults' paths in one command" {
        $bob = Connect-Vault -Vault $emu.BaseUrl -Credential $emu.Users['bob'].Credential -PassThru
        Connect-Jane
        $null = New-PSDrive -Name Bob -PSProvider VaultStaging -Root / -Connection $bob
        try {
            (Send-VaultFile -LiteralPath (Join-Path $drv 'one.txt') -Destination 'Bob:/mine/' -PassThru).Destination | Should -Be '/mine/one.txt'
            (Get-StagedFile '/u10001500/mine/one.txt').exists | Should -BeTrue
            (Get-StagedFile '/u10001400/mine/one.txt').exists | Should -BeFalse
            { Receive-VaultFile -Path '/on-drive/one.txt', 'Bob:/mine/one.txt' -Destination (Join-Path $work 'mixed/') -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidArgument*'
        } finally {
            Remove-PSDrive Bob
        }
    }

    It 'never takes the current location on a Vault: drive for a local folder' {
        Set-Location Vault:/on-drive
        { Receive-VaultFile -Path '/on-drive/one.txt' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument*'
        Set-Location $work
    }
}
