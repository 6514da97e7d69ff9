#Requires -Version 7.0
# Files, folders and jobs on the staging server, end to end: the staged module in this pwsh against the
# emulator (a child process, real HTTP), as an admin and as a non-admin (jane) with the emulator answering
# her paths relative to her folder and from the staging root. What the module did is read back from the
# emulator's tree (/_emulator/items) and its request log (/_emulator/log).
#
# Jobs: most tests let the emulator finish move/rename/delete jobs before it answers (itemJobDurationMs 0), so
# the first status read, which may come at once, already says SUCCESS. One test keeps Vault's real pace: jobs
# of 3 s, the emulator refusing a second read of a job within 10 s, and the module's own 10-second clock.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    # A second emulator makes a tree of 100,100 items (about 30 s of file creation) while the other tests run;
    # the last Describe lists it. The first emulator is the default of the TestEmulator commands.
    $script:BigEmu = Start-TestEmulator
    $script:BigTreeRoot = "/u$($script:BigEmu.Users.jane.UserId)/tree"
    $script:BigHttp = [Net.Http.HttpClient]::new()
    $script:BigHttp.Timeout = [TimeSpan]::FromMinutes(10)
    $body = @{ root = $script:BigTreeRoot; folders = 100; filesPerFolder = 1000; size = 0; sparse = $true } | ConvertTo-Json -Compress
    $script:BigTree = $script:BigHttp.PostAsync("$($script:BigEmu.BaseUrl)/_emulator/items", [Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json'))
    $script:Emu = Start-TestEmulator -ArgumentList '--item-job-duration-ms', '0'
    $script:Base = $script:Emu.BaseUrl
    $script:Jane = $script:Emu.Users.jane.UserId
    $PSStyle.OutputRendering = 'PlainText'
    $ProgressPreference = 'SilentlyContinue'

    function Get-Log { foreach ($entry in (Invoke-EmulatorControl -Path log)) { $entry } }
    function Clear-Log { $null = Invoke-EmulatorControl -Method Delete -Path log }
    function Set-EmulatorOption([hashtable] $Options) { $null = Invoke-EmulatorControl -Method Post -Path options -Body $Options }

    # Items made directly on the emulator's tree (paths from the staging root).
    function New-EmuFile([string] $Path, [long] $Size = 10, $ModifiedDate) {
        $body = @{ path = $Path; kind = 'file'; size = $Size }
        if ($ModifiedDate) { $body.modifiedDate = ([datetimeoffset]$ModifiedDate).ToString('o') }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body $body
    }
    function New-EmuFolder([string] $Path) { $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = $Path; kind = 'folder' } }
    function Get-EmuItem([string] $Path) { Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString($Path)) }

    # Runs a command and returns everything it wrote: output, and errors whether terminating or not.
    function Invoke-Captured([scriptblock] $Command) {
        $ErrorActionPreference = 'Continue'
        $output = [Collections.Generic.List[object]]::new()
        $errors = [Collections.Generic.List[object]]::new()
        try {
            & $Command 2>&1 | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $errors.Add($_) } else { $output.Add($_) } }
        } catch {
            $errors.Add($_)
        }
        [pscustomobject]@{ Output = $output.ToArray(); Errors = $errors.ToArray() }
    }

    # What -WhatIf and confirmation messages say: they go to the host, so a transcript catches them.
    function Get-HostText([scriptblock] $Command) {
        $file = Join-Path $TestDrive ("host-" + [guid]::NewGuid().ToString('N') + '.txt')
        $null = Start-Transcript -Path $file
        try { & $Command | Out-Host } finally { $null = Stop-Transcript }
        Get-Content -Raw $file
    }

    function Assert-JobReadsPaced([double] $IntervalSeconds) {
        $log = @(Get-Log)
        @($log | Where-Object errorType -EQ 'API_LIMIT_EXCEEDED').Count | Should -Be 0 -Because 'the module keeps to Vault''s one status read per job per interval'
        foreach ($job in ($log | Where-Object operation -EQ 'job' | Group-Object jobId)) {
            $times = @($job.Group | Sort-Object seq | ForEach-Object { [datetimeoffset]$_.time })
            for ($i = 1; $i -lt $times.Count; $i++) {
                ($times[$i] - $times[$i - 1]).TotalSeconds | Should -BeGreaterOrEqual $IntervalSeconds -Because "job $($job.Name) was read at $($times -join ', ')"
            }
        }
    }
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
    Stop-TestEmulator $script:BigEmu
    $script:BigHttp.Dispose()
}

Describe 'Get-VaultStagingItem, as an admin' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        # 10 folders of 100 files, and a small tree for the filters: 5 folders of 20 files.
        $script:Tree = "/u$Jane/tree"
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ root = $Tree; folders = 10; filesPerFolder = 100; size = 0; sparse = $true }
        $script:Small = "/u$Jane/small"
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ root = $Small; folders = 5; filesPerFolder = 20; size = 0; sparse = $true }
        New-EmuFile "/u$Jane/reports/q1.pdf" -Size 1234567 -ModifiedDate (Get-Date).AddDays(-400)
        New-EmuFile "/u$Jane/reports/q2.pdf" -Size 2345678 -ModifiedDate (Get-Date).AddDays(-40)
        New-EmuFile "/u$Jane/reports/q3.PDF" -Size 3456789 -ModifiedDate (Get-Date).AddDays(-4)
        New-EmuFile "/u$Jane/reports/notes.txt" -Size 42 -ModifiedDate (Get-Date).AddDays(-100)
        New-EmuFolder "/u$Jane/reports/empty"
    }

    It 'declares StagingItem as its output' {
        (Get-Command Get-VaultStagingItem).OutputType.Type | Should -Contain ([VaultStaging.StagingItem])
    }

    It 'lists the staging root by default: the users'' folders' {
        $root = @(Get-VaultStagingItem)
        $root.Path | Should -Contain "/u$Jane"
        $root.Path | Should -Contain "/u$($Emu.Users.admin.UserId)"
        $root | ForEach-Object { $_.Kind | Should -Be 'Folder'; $_.Size | Should -BeNullOrEmpty; $_.Parent | Should -Be '/' }
    }

    It 'stops asking for pages when the pipeline stops (Select-Object -First)' {
        # Four pages of 1,000. The next page is asked for early (once an item of this one was taken), so the
        # second may have gone out and been stopped; never a third.
        $fourPages = "/u$Jane/four-pages"
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ root = $fourPages; folders = 3; filesPerFolder = 1000; size = 0; sparse = $true }
        Clear-Log
        $first = @(Get-VaultStagingItem $fourPages -Recurse | Select-Object -First 3)
        $first.Count | Should -Be 3
        $first[0].Path | Should -Be "$fourPages/folder-00001"
        $first[1].Path | Should -Be "$fourPages/folder-00001/file-00001.bin"
        # (The connection's one admin probe, a listing of the user's own folder, may be among the calls too.)
        @(Get-Log | Where-Object { $_.operation -eq 'items' -and $_.itemPath -eq $fourPages }).Count | Should -BeLessOrEqual 2
        Start-Sleep -Milliseconds 300 # a page asked for after the command returned would show by now
        @(Get-Log | Where-Object { $_.operation -eq 'items' -and $_.itemPath -eq $fourPages }).Count | Should -BeLessOrEqual 2
        $null = Invoke-EmulatorControl -Method Delete -Path ('items?path=' + [uri]::EscapeDataString($fourPages))
    }

    It 'gives a folder''s direct contents without -Recurse, and a file path gives the file itself' {
        $reports = @(Get-VaultStagingItem "/u$Jane/reports")
        $reports.Name | Should -Be @('empty', 'notes.txt', 'q1.pdf', 'q2.pdf', 'q3.PDF')
        $file = Get-VaultStagingItem "/u$Jane/reports/q1.pdf"
        $file | Should -BeOfType ([VaultStaging.StagingItem])
        $file.Kind | Should -Be 'File'
        $file.Size | Should -BeOfType ([long])
        $file.Size | Should -Be 1234567
        $file.Name | Should -Be 'q1.pdf'
        $file.Parent | Should -Be "/u$Jane/reports"
        $file.ModifiedDate.Kind | Should -Be 'Local'
        $emu = Get-EmuItem "/u$Jane/reports/q1.pdf"
        $file.ModifiedDate.ToUniversalTime() | Should -Be ([datetimeoffset]$emu.modifiedDate).UtcDateTime
        @(Get-VaultStagingItem "/u$Jane/reports/empty").Count | Should -Be 0
    }

    It '-Filter matches names case-insensitively, at every level of a -Recurse listing' {
        @(Get-VaultStagingItem "/u$Jane/reports" -Filter '*.pdf').Name | Should -Be @('q1.pdf', 'q2.pdf', 'q3.PDF')
        Clear-Log
        $found = @(Get-VaultStagingItem $Small -Recurse -Filter 'FILE-0000[12].bin')
        $found.Count | Should -Be 10
        $found | ForEach-Object { $_.Name | Should -BeIn 'file-00001.bin', 'file-00002.bin' }
        @(Get-VaultStagingItem $Small -Recurse -Filter 'folder-*').Count | Should -Be 5
        @(Get-Log | Where-Object { $_.operation -eq 'items' }).Count | Should -Be 2 -Because 'the tree is listed once per command, whatever the filter'
    }

    It 'reports a path that does not exist as ItemNotFound, and still lists the other paths' {
        $r = Invoke-Captured { Get-VaultStagingItem "/u$Jane/nope", "/u$Jane/reports" }
        $r.Output.Count | Should -Be 5
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($r.Errors[0])" | Should -Match ([regex]::Escape("/u$Jane/nope"))
        $r.Errors[0].TargetObject | Should -Be "/u$Jane/nope"
    }

    It 'answers a path typed with a wildcard by pointing to -Filter' {
        $r = Invoke-Captured { Get-VaultStagingItem "/u$Jane/reports/*.csv" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
        "$($r.Errors[0])" | Should -BeLike "*-Filter*"
    }

    It 'says ItemNotFound whichever error type Vault gives a missing path (<Type>)' -ForEach @(
        @{ Type = 'INVALID_DATA' }
        @{ Type = 'NOT_FOUND' }
        @{ Type = 'OPERATION_NOT_ALLOWED' }
    ) {
        Set-EmulatorOption @{ errorTypes = @{ 'missing-item' = $Type } }
        try {
            $r = Invoke-Captured { Get-VaultStagingItem "/u$Jane/nope" -Verbose 4>&1 }
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
            ($r.Output | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match $Type
        } finally {
            Set-EmulatorOption @{ errorTypes = @{ 'missing-item' = 'INVALID_DATA' } }
        }
    }

    It 'takes -Path from the pipeline by value and by property name' {
        @("/u$Jane/reports/q1.pdf", "/u$Jane/reports/q2.pdf" | Get-VaultStagingItem).Name | Should -Be @('q1.pdf', 'q2.pdf')
        @([pscustomobject]@{ Path = "/u$Jane/reports/notes.txt" } | Get-VaultStagingItem).Size | Should -Be 42
        @(Get-VaultStagingItem "/u$Jane/reports" -Filter 'q*' | Get-VaultStagingItem).Count | Should -Be 3
    }

    It 'finds old files with Where-Object and reports them with Export-Csv' {
        $old = @(Get-VaultStagingItem "/u$Jane/reports" -Recurse | Where-Object { -not $_.IsFolder -and $_.ModifiedDate -lt (Get-Date).AddDays(-30) })
        $old.Name | Should -Be @('notes.txt', 'q1.pdf', 'q2.pdf')
        @(Get-VaultStagingItem "/u$Jane/reports" | Where-Object Size -GT 2MB).Name | Should -Be @('q2.pdf', 'q3.PDF')
        @(Get-VaultStagingItem "/u$Jane/reports" | Where-Object Kind -EQ Folder).Name | Should -Be 'empty'

        $csv = Join-Path $TestDrive 'old.csv'
        $old | Export-Csv -Path $csv -NoTypeInformation
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -Be 3
        $rows[0].PSObject.Properties.Name | Should -Contain 'Path'
        $rows[0].PSObject.Properties.Name | Should -Contain 'ModifiedDate'
        $rows.Kind | Should -Be @('File', 'File', 'File')
        $rows.Size | Should -Be @('42', '1234567', '2345678')
        # The rows bind back by property name.
        @($rows | Get-VaultStagingItem).Path | Should -Be $old.Path
    }

    It 'shows a directory-listing table of at most six columns, Path last, within 80 columns' {
        $table = Get-VaultStagingItem "/u$Jane/reports" | Format-Table | Out-String -Width 80
        $lines = @($table -split "`r?`n" | Where-Object { $_.Trim() })
        $header = $lines[0] -split '\s+' | Where-Object { $_ }
        $header.Count | Should -BeLessOrEqual 6
        $header[-1] | Should -Be 'Path'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $table | Should -Match "File\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+1,234,567 /u$Jane/reports/q1\.pdf"
        $table | Should -Match "Folder\s+/u$Jane/reports/empty"
    }
}

Describe 'New-VaultStagingFolder' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
    }

    It 'creates a folder and returns it as a StagingItem' {
        $f = New-VaultStagingFolder "/u$Jane/incoming"
        $f | Should -BeOfType ([VaultStaging.StagingItem])
        $f.Kind | Should -Be 'Folder'
        $f.Path | Should -Be "/u$Jane/incoming"
        (Get-EmuItem "/u$Jane/incoming").kind | Should -Be 'folder'
    }

    It 'refuses a folder that exists with ITEM_NAME_EXISTS, suggesting -Force' {
        $r = Invoke-Captured { New-VaultStagingFolder "/u$Jane/incoming" }
        $r.Output.Count | Should -Be 0
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'
        "$($r.Errors[0])" | Should -Match 'already exists'
        "$($r.Errors[0])" | Should -Match '-Force'
    }

    It 'says a missing parent is why, and that -Force creates it' {
        $r = Invoke-Captured { New-VaultStagingFolder "/u$Jane/no/such/parent" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
        "$($r.Errors[0])" | Should -Match "parent folder /u$Jane/no/such does not exist"
        "$($r.Errors[0])" | Should -Match '-Force'
        (Get-EmuItem "/u$Jane/no").exists | Should -BeFalse
    }

    It 'with -Force creates missing parents once each and accepts folders that exist (mkdir -p)' {
        Clear-Log
        $made = @(New-VaultStagingFolder "/u$Jane/a/b/c", "/u$Jane/a/b/d", "/u$Jane/incoming" -Force)
        $made.Path | Should -Be @("/u$Jane/a/b/c", "/u$Jane/a/b/d", "/u$Jane/incoming")
        $made | ForEach-Object { $_.Kind | Should -Be 'Folder' }
        foreach ($p in 'a', 'a/b', 'a/b/c', 'a/b/d') { (Get-EmuItem "/u$Jane/$p").kind | Should -Be 'folder' }
        $created = @(Get-Log | Where-Object { $_.operation -eq 'item-create' -and $_.responseStatus -eq 'SUCCESS' })
        $created.itemPath | Sort-Object | Should -Be @("/u$Jane/a", "/u$Jane/a/b", "/u$Jane/a/b/c", "/u$Jane/a/b/d") -Because 'each missing folder is made once, parents first'
        # Again: all there, all fine.
        @(New-VaultStagingFolder "/u$Jane/a/b/c" -Force).Path | Should -Be "/u$Jane/a/b/c"
    }

    It 'refuses, even with -Force, a path where a file is' {
        New-EmuFile "/u$Jane/a/file.txt"
        foreach ($force in $false, $true) {
            $r = Invoke-Captured { New-VaultStagingFolder "/u$Jane/a/file.txt" -Force:$force }
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'
            "$($r.Errors[0])" | Should -Match 'A file named file\.txt'
        }
    }

    It 'creates nothing with -WhatIf' {
        Clear-Log
        New-VaultStagingFolder "/u$Jane/whatif" -WhatIf
        @(Get-Log | Where-Object operation -EQ 'item-create').Count | Should -Be 0
        (Get-EmuItem "/u$Jane/whatif").exists | Should -BeFalse
    }
}

Describe 'Move, rename and delete: jobs' {
    BeforeEach {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        $script:W = "/u$Jane/work"
        foreach ($n in 'a.txt', 'b.txt', 'c.txt', 'dir/x.txt', 'dir/sub/y.txt') { New-EmuFile "$W/$n" -Size 100 }
        New-EmuFolder "$W/dest"
        New-EmuFolder "$W/empty"
        Clear-Log
    }
    AfterEach { Assert-JobReadsPaced 10 }

    It 'moves several items: all jobs started before any is read, then waited for together; nothing written without -PassThru' {
        $out = @(Move-VaultStagingItem "$W/a.txt", "$W/b.txt", "$W/dir" -Destination "$W/dest")
        $out.Count | Should -Be 0
        foreach ($p in 'dest/a.txt', 'dest/b.txt', 'dest/dir/x.txt', 'dest/dir/sub/y.txt') { (Get-EmuItem "$W/$p").exists | Should -BeTrue }
        foreach ($p in 'a.txt', 'b.txt', 'dir') { (Get-EmuItem "$W/$p").exists | Should -BeFalse }
        $log = @(Get-Log)
        $updates = @($log | Where-Object operation -EQ 'item-update')
        $reads = @($log | Where-Object operation -EQ 'job')
        $updates.Count | Should -Be 3
        $reads.Count | Should -Be 3
        ($updates.seq | Measure-Object -Maximum).Maximum | Should -BeLessThan ($reads.seq | Measure-Object -Minimum).Minimum
    }

    It '-PassThru writes each moved item, read at its new path; -NewName moves one item under a new name' {
        $moved = @(Move-VaultStagingItem "$W/a.txt", "$W/dir" -Destination "$W/dest" -PassThru)
        # Written as each job ends, so in no fixed order.
        $moved = $moved | Sort-Object Path
        $moved.Path | Should -Be @("$W/dest/a.txt", "$W/dest/dir")
        $moved.Kind | Should -Be @('File', 'Folder')
        $renamed = Move-VaultStagingItem "$W/b.txt" -Destination "$W/dest" -NewName 'b-2026.txt' -PassThru
        $renamed.Path | Should -Be "$W/dest/b-2026.txt"
        $renamed.Size | Should -Be 100
    }

    It 'takes items from Get-VaultStagingItem down the pipeline' {
        Get-VaultStagingItem $W -Filter '?.txt' | Move-VaultStagingItem -Destination "$W/dest"
        @(Get-VaultStagingItem "$W/dest").Name | Should -Be @('a.txt', 'b.txt', 'c.txt')
    }

    It 'refuses clearly, before any job: -NewName with several paths, a folder into itself, a missing destination, a taken name, a missing item' {
        $r = Invoke-Captured { Move-VaultStagingItem "$W/a.txt", "$W/b.txt" -Destination "$W/dest" -NewName 'one.txt' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
        "$($r.Errors[0])" | Should -Match '-NewName'

        $r = Invoke-Captured { Move-VaultStagingItem "$W/dir" -Destination "$W/dir/sub" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
        "$($r.Errors[0])" | Should -Match 'into itself'

        $r = Invoke-Captured { Move-VaultStagingItem "$W/a.txt" -Destination "$W/nowhere" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
        "$($r.Errors[0])" | Should -Match "$W/nowhere does not exist"

        $r = Invoke-Captured { Move-VaultStagingItem "$W/a.txt" -Destination "$W/b.txt" }
        "$($r.Errors[0])" | Should -Match 'is a file'

        New-EmuFile "$W/dest/a.txt"
        $r = Invoke-Captured { Move-VaultStagingItem "$W/a.txt" -Destination "$W/dest" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'

        $r = Invoke-Captured { Move-VaultStagingItem "$W/missing.txt", "$W/c.txt" -Destination "$W/dest" }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
        "$($r.Errors[0])" | Should -Match "$W/missing\.txt"
        (Get-EmuItem "$W/dest/c.txt").exists | Should -BeTrue -Because 'the other path still moves'
        @(Get-Log | Where-Object operation -EQ 'item-update').Count | Should -Be 1
    }

    It 'renames, with -PassThru, and from a CSV of Path,NewName' {
        $r = Rename-VaultStagingItem "$W/a.txt" -NewName 'A report.txt' -PassThru
        $r.Path | Should -Be "$W/A report.txt"
        $csv = Join-Path $TestDrive 'renames.csv'
        @([pscustomobject]@{ Path = "$W/b.txt"; NewName = 'b1.txt' }, [pscustomobject]@{ Path = "$W/dir"; NewName = 'folder' }) | Export-Csv $csv -NoTypeInformation
        Import-Csv $csv | Rename-VaultStagingItem
        (Get-EmuItem "$W/b1.txt").exists | Should -BeTrue
        (Get-EmuItem "$W/folder/sub/y.txt").exists | Should -BeTrue
        $r = Invoke-Captured { Rename-VaultStagingItem "$W/c.txt" -NewName 'b1.txt' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'
    }

    It 'refuses to delete a non-empty folder without -Recurse, before any delete call, and says to add -Recurse' {
        $r = Invoke-Captured { Remove-VaultStagingItem "$W/dir" -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'FolderNotEmpty*'
        "$($r.Errors[0])" | Should -Match '-Recurse'
        @(Get-Log | Where-Object operation -EQ 'item-delete').Count | Should -Be 0
        (Get-EmuItem "$W/dir/x.txt").exists | Should -BeTrue
        Remove-VaultStagingItem "$W/dir" -Recurse -Confirm:$false
        (Get-EmuItem "$W/dir").exists | Should -BeFalse
        Remove-VaultStagingItem "$W/empty" -Confirm:$false
        (Get-EmuItem "$W/empty").exists | Should -BeFalse
    }

    It 'asks first (ConfirmImpact High); -WhatIf deletes nothing, -Confirm:$false deletes without asking' {
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Remove-VaultStagingItem))
        $meta.ConfirmImpact | Should -Be 'High'
        $whatIf = Get-HostText { Remove-VaultStagingItem "$W/a.txt", "$W/dir" -Recurse -WhatIf }
        $whatIf | Should -Match "a\.txt \(file\)"
        $whatIf | Should -Match 'everything in it'
        @(Get-Log | Where-Object operation -EQ 'item-delete').Count | Should -Be 0
        (Get-EmuItem "$W/a.txt").exists | Should -BeTrue
        Get-VaultStagingItem $W -Filter '?.txt' | Remove-VaultStagingItem -Confirm:$false
        @(Get-VaultStagingItem $W).Name | Should -Be @('dest', 'dir', 'empty')
    }

    It '-NoWait returns the jobs, which Wait-VaultJob and Get-VaultJob take from the pipeline' {
        $jobs = @(Move-VaultStagingItem "$W/a.txt", "$W/b.txt" -Destination "$W/dest" -NoWait)
        $jobs.Count | Should -Be 2
        $jobs | ForEach-Object { $_ | Should -BeOfType ([VaultStaging.VaultJob]); $_.Status | Should -BeNullOrEmpty }
        $jobs[0].Operation | Should -Be "Move $W/a.txt to $W/dest/a.txt"
        @(Get-Log | Where-Object operation -EQ 'job').Count | Should -Be 0
        $done = @($jobs | Wait-VaultJob)
        $done.JobId | Sort-Object | Should -Be ($jobs.JobId | Sort-Object)
        $done | ForEach-Object { $_.Status | Should -Be 'SUCCESS'; $_.Operation | Should -Match '^Move ' }

        $del = Remove-VaultStagingItem "$W/c.txt" -Confirm:$false -NoWait
        $got = $del | Get-VaultJob
        $got.JobId | Should -Be $del.JobId
        $got.Status | Should -Be 'SUCCESS'
        $got.Method | Should -Not -BeNullOrEmpty
        $job = Get-VaultJob -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable bad
        $job | Should -BeNullOrEmpty
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'INVALID_DATA*'
        "$($bad[0])" | Should -Match 'job id 999999'
    }

    It 'Wait-VaultJob -Timeout writes a TIMEOUT error naming the last status, and the job' {
        Set-EmulatorOption @{ itemJobDurationMs = 60000 }
        $job = Remove-VaultStagingItem "$W/a.txt" -Confirm:$false -NoWait
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Captured { $job | Wait-VaultJob -Timeout 2 }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4
        $r.Output.Count | Should -Be 1
        $r.Output[0].JobId | Should -Be $job.JobId
        $r.Output[0].IsFinished | Should -BeFalse
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'TIMEOUT*'
        "$($r.Errors[0])" | Should -Match "job $($job.JobId) had not finished when its status was last read \((QUEUED|RUNNING)\)"
        # It returned long before 2 s: the message says why (one read per 10 s), not that it waited 2 s.
        "$($r.Errors[0])" | Should -Match 'one status read per job every 10 seconds, and the next one would have come after -Timeout 2 s'
        "$($r.Errors[0])" | Should -Not -Match 'after 2 s;' 
        "$($r.Errors[0])" | Should -Match ([regex]::Escape("Delete $W/a.txt"))
    }

    # One home (ItemChange) waits for every item job: the drive and Sync -Delete said it three ways before.
    It 'words each status read of a job alike in Remove-VaultStagingItem, the drive''s Remove-Item and Sync -Delete' {
        New-EmuFile "$W/sync/extra.txt"
        $local = New-Item (Join-Path $TestDrive 'sync') -ItemType Directory -Force
        $lines = @(
            Remove-VaultStagingItem "$W/a.txt" -Confirm:$false -Verbose 4>&1
            Remove-Item "Vault:$W/b.txt" -Verbose 4>&1
            Sync-VaultStagingFolder -Path $local.FullName -Destination "$W/sync" -Delete -Force -Verbose 4>&1
        ) | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message
        foreach ($p in "$W/a.txt", "$W/b.txt", "$W/sync/extra.txt") {
            @($lines -match "^Delete $([regex]::Escape($p)): job \d+: SUCCESS\.$").Count | Should -Be 1 -Because "the status of the job deleting $p is read once: $($lines -join ' | ')"
        }
        foreach ($p in 'a.txt', 'b.txt', 'sync/extra.txt') { (Get-EmuItem "$W/$p").exists | Should -BeFalse }
    }

    It 'keeps Vault''s 10-second pace: 4 jobs of 3 s in one interval, never read too soon, and a job that fails is an error naming its path and id' {
        Set-EmulatorOption @{ itemJobDurationMs = 3000; jobStatusMinIntervalSeconds = 10 }
        New-EmuFile "$W/one/same.txt"
        New-EmuFile "$W/two/same.txt"
        Clear-Log
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Invoke-Captured { Move-VaultStagingItem "$W/a.txt", "$W/b.txt", "$W/one/same.txt", "$W/two/same.txt" -Destination "$W/dest" -PassThru }
        $elapsed = $watch.Elapsed.TotalSeconds
        $elapsed | Should -BeGreaterThan 10 -Because 'a job of 3 s is read at once, then 10 s later'
        $elapsed | Should -BeLessThan 16 -Because 'the four jobs are waited for together, not one after the other'
        $r.Output.Path | Sort-Object | Should -Be @("$W/dest/a.txt", "$W/dest/b.txt", "$W/dest/same.txt")
        $r.Errors.Count | Should -Be 1
        $failed = $r.Errors[0]
        $failed.FullyQualifiedErrorId | Should -BeLike 'JOB_ERRORS_ENCOUNTERED*'
        $failed.TargetObject | Should -BeIn "$W/one/same.txt", "$W/two/same.txt"
        $updates = @(Get-Log | Where-Object operation -EQ 'item-update')
        $failedJob = ($updates | Where-Object itemPath -EQ $failed.TargetObject).jobId
        "$failed" | Should -Match "Move $([regex]::Escape($failed.TargetObject)) to $W/dest/same\.txt: job $failedJob ended with ERRORS_ENCOUNTERED"
        $reads = @(Get-Log | Where-Object operation -EQ 'job')
        $reads.Count | Should -Be 8 -Because 'each job is read twice: at once, and when its interval is over'
        # AfterEach checks that no read came within 10 s of the last read of the same job.
    }
}

Describe 'As a non-admin (jane), with her paths answered <Mode>' -ForEach @(
    @{ Mode = 'relative' }
    @{ Mode = 'absolute' }
) {
    BeforeAll {
        Reset-TestEmulator
        Set-EmulatorOption @{ nonAdminPaths = $Mode }
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -MaximumRetryCount 0
        foreach ($n in 'a.txt', 'sub/b.txt', 'sub/c.bin') { New-EmuFile "/u$Jane/work/$n" -Size 7 }
        New-EmuFile "/u$($Emu.Users.bob.UserId)/bob-only.txt"
    }
    AfterEach { Assert-JobReadsPaced 10 }

    It 'lists her own folder with paths from it, as she writes them' {
        @(Get-VaultStagingItem).Path | Should -Be '/work'
        $all = @(Get-VaultStagingItem /work -Recurse)
        $all.Path | Should -Be @('/work/a.txt', '/work/sub', '/work/sub/b.txt', '/work/sub/c.bin')
        $all[1].Parent | Should -Be '/work'
        # Her raw answers really were in the mode under test.
        $raw = Invoke-RawVault -Authorization (New-TestVaultSession -User jane) -Path 'services/file_staging/items/work'
        $raw.data[0].path | Should -Be $(if ($Mode -eq 'absolute') { "/u$Jane/work/a.txt" } else { '/work/a.txt' })
    }

    It 'sees nothing of other users'' folders' {
        $r = Invoke-Captured { Get-VaultStagingItem "/u$($Emu.Users.bob.UserId)/bob-only.txt" }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemNotFound*'
    }

    It 'makes folders, moves, renames and deletes with the paths the listing gave' {
        (New-VaultStagingFolder /work/archive/2026 -Force).Path | Should -Be '/work/archive/2026'
        (New-VaultStagingFolder /work/flat).Path | Should -Be '/work/flat'
        (Get-EmuItem "/u$Jane/work/archive/2026").kind | Should -Be 'folder'

        $moved = @(Get-VaultStagingItem /work/sub | Move-VaultStagingItem -Destination /work/archive/2026 -PassThru | Sort-Object Path)
        $moved.Path | Should -Be @('/work/archive/2026/b.txt', '/work/archive/2026/c.bin')
        (Get-EmuItem "/u$Jane/work/archive/2026/c.bin").exists | Should -BeTrue

        $renamed = Get-VaultStagingItem /work/a.txt | Rename-VaultStagingItem -NewName 'a-old.txt' -PassThru
        $renamed.Path | Should -Be '/work/a-old.txt'

        $jobs = @(Get-VaultStagingItem /work/archive -Recurse -Filter '*.bin' | Remove-VaultStagingItem -Confirm:$false -NoWait)
        $jobs.Count | Should -Be 1
        ($jobs | Wait-VaultJob).Status | Should -Be 'SUCCESS'
        (Get-EmuItem "/u$Jane/work/archive/2026/c.bin").exists | Should -BeFalse

        Get-VaultStagingItem /work -Filter 'sub' | Remove-VaultStagingItem -Confirm:$false
        (Get-EmuItem "/u$Jane/work/sub").exists | Should -BeFalse
        @(Get-VaultStagingItem /work -Recurse).Path | Should -Be @('/work/a-old.txt', '/work/archive', '/work/archive/2026', '/work/archive/2026/b.txt', '/work/flat')
    }
}

Describe 'Odd names round-trip exactly' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -MaximumRetryCount 0
        $script:Names = @('a b.txt', 'hash#1.txt', '100%25 done.txt', '50% off.txt', 'plus+minus.txt', 'why?.txt',
            'Ünïcødé-日本語.txt', "it's [x].txt", 'semi;colon&amp=1.txt', '~tilde @at $dollar.txt')
    }

    It 'lists, moves and renames <_> without changing a character' -ForEach @(
        'a b.txt', 'hash#1.txt', '100%25 done.txt', '50% off.txt', 'plus+minus.txt', 'why?.txt',
        'Ünïcødé-日本語.txt', "it's [x].txt", 'semi;colon&amp=1.txt', '~tilde @at $dollar.txt'
    ) {
        $name = $_
        $folder = "/odd folder #1 + ü ?/$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $made = New-VaultStagingFolder "$folder/into here" -Force
        $made.Path | Should -BeExactly "$folder/into here"
        New-EmuFile "/u$Jane$folder/$name" -Size 3

        $item = Get-VaultStagingItem "$folder/$name"
        $item.Name | Should -BeExactly $name
        $item.Path | Should -BeExactly "$folder/$name"
        (@(Get-VaultStagingItem $folder -Filter ([Management.Automation.WildcardPattern]::Escape($name))).Name) | Should -BeExactly $name

        Clear-Log
        $moved = $item | Move-VaultStagingItem -Destination "$folder/into here" -PassThru
        $moved.Path | Should -BeExactly "$folder/into here/$name"
        (Get-Log | Where-Object operation -EQ 'item-update').itemPath | Should -BeExactly "$folder/$name"

        $renamed = $moved | Rename-VaultStagingItem -NewName "re $name" -PassThru
        $renamed.Name | Should -BeExactly "re $name"
        (Get-EmuItem "/u$Jane$folder/into here/re $name").exists | Should -BeTrue
        $renamed | Remove-VaultStagingItem -Confirm:$false
        (Get-EmuItem "/u$Jane$folder/into here/re $name").exists | Should -BeFalse
    }

    It 'takes \ as / in every path parameter' {
        $null = New-VaultStagingFolder '\win\style' -Force
        New-EmuFile "/u$Jane/win/style/f.txt"
        (Get-VaultStagingItem '\win\style\f.txt').Path | Should -Be '/win/style/f.txt'
        (Move-VaultStagingItem '\win\style\f.txt' -Destination '\win' -PassThru).Path | Should -Be '/win/f.txt'
    }
}

Describe 'Bad input' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        New-EmuFile "/u$Jane/bad/a.txt"
        New-EmuFile "/u$Jane/bad/b.txt"
        $null = Get-VaultStagingItem /   # the connection has learned who it is
    }

    It 'refuses <Case> naming -<Parameter>, without a stack trace or any call' -ForEach @(
        @{ Case = 'an empty path'; Parameter = 'Path'; Run = { Get-VaultStagingItem -Path '' } }
        @{ Case = 'a .. segment'; Parameter = 'Path'; Run = { Get-VaultStagingItem -Path "/u10001400/bad/../x" } }
        @{ Case = 'an empty segment'; Parameter = 'Path'; Run = { Get-VaultStagingItem -Path '/u10001400//bad' } }
        @{ Case = 'a . segment'; Parameter = 'Path'; Run = { Get-VaultStagingItem -Path './bad' } }
        @{ Case = 'a wildcard pattern that cannot be read'; Parameter = 'Filter'; Run = { Get-VaultStagingItem -Path / -Filter '[a' } }
        @{ Case = 'the root as a new folder'; Parameter = 'Path'; Run = { New-VaultStagingFolder -Path '/' } }
        @{ Case = 'a new folder with .. in it'; Parameter = 'Path'; Run = { New-VaultStagingFolder -Path '/u10001400/../x' -Force } }
        @{ Case = 'an empty destination'; Parameter = 'Destination'; Run = { Move-VaultStagingItem -Path '/u10001400/bad/a.txt' -Destination '' } }
        @{ Case = 'a destination with ..'; Parameter = 'Destination'; Run = { Move-VaultStagingItem -Path '/u10001400/bad/a.txt' -Destination '/u10001400/..' } }
        @{ Case = 'a new name with /'; Parameter = 'NewName'; Run = { Move-VaultStagingItem -Path '/u10001400/bad/a.txt' -Destination '/u10001400' -NewName 'x/y.txt' } }
        @{ Case = '-NewName with two paths'; Parameter = 'NewName'; Run = { Move-VaultStagingItem -Path '/u10001400/bad/a.txt', '/u10001400/bad/b.txt' -Destination '/u10001400' -NewName 'c.txt' } }
        @{ Case = 'moving the root'; Parameter = 'Path'; Run = { Move-VaultStagingItem -Path '/' -Destination '/u10001400' } }
        @{ Case = 'a folder moved into itself'; Parameter = 'Destination'; Run = { Move-VaultStagingItem -Path '/u10001400/bad' -Destination '/u10001400/bad/deeper' } }
        @{ Case = 'a rename with \'; Parameter = 'NewName'; Run = { Rename-VaultStagingItem -Path '/u10001400/bad/a.txt' -NewName 'x\y.txt' } }
        @{ Case = 'a rename to ..'; Parameter = 'NewName'; Run = { Rename-VaultStagingItem -Path '/u10001400/bad/a.txt' -NewName '..' } }
        @{ Case = 'an empty new name'; Parameter = 'NewName'; Run = { Rename-VaultStagingItem -Path '/u10001400/bad/a.txt' -NewName '' } }
        @{ Case = 'a rename to the same name'; Parameter = 'NewName'; Run = { Rename-VaultStagingItem -Path '/u10001400/bad/a.txt' -NewName 'a.txt' } }
        @{ Case = 'deleting the root'; Parameter = 'Path'; Run = { Remove-VaultStagingItem -Path '/' -Recurse -Confirm:$false } }
        @{ Case = 'deleting with ..'; Parameter = 'Path'; Run = { Remove-VaultStagingItem -Path '/u10001400/bad/..' -Recurse -Confirm:$false } }
        @{ Case = 'a control character'; Parameter = 'Path'; Run = { Remove-VaultStagingItem -Path "/u10001400/bad/a`t.txt" -Confirm:$false } }
        @{ Case = 'job id 0'; Parameter = 'Id'; Run = { Get-VaultJob -Id 0 } }
        @{ Case = 'a job id that is not a number'; Parameter = 'Id'; Run = { Wait-VaultJob -Id 'abc' } }
        @{ Case = 'a zero timeout'; Parameter = 'Timeout'; Run = { Wait-VaultJob -Id 5 -Timeout 0 } }
    ) {
        Clear-Log
        $r = Invoke-Captured $Run
        $r.Errors.Count | Should -BeGreaterThan 0 -Because 'bad input must be an error'
        $record = $r.Errors[0]
        "$record" | Should -Match "\b$Parameter\b"
        "$record" | Should -Not -Match '\s+at \S+\(.*\)'
        $record.FullyQualifiedErrorId | Should -Match '^(InvalidArgument|ParameterArgumentValidationError|CannotConvertArgument|ParameterBindingFailed)'
        @(Get-Log).Count | Should -Be 0 -Because 'nothing is sent for input that is surely wrong'
    }
}

Describe 'Secrets' {
    It 'never shows the password, the session id or the token in any stream, with -Verbose -Debug' {
        Reset-TestEmulator
        $sid = New-TestVaultSession -User bob
        $secrets = @($Emu.Users.jane.Password, $Emu.Users.admin.Token, $sid)
        $sessionIdShape = '(?<![A-Za-z0-9._-])[A-Za-z0-9._-]{100}(?![A-Za-z0-9._-])'
        $token = ConvertTo-SecureText $Emu.Users.admin.Token
        New-EmuFile "/u$Jane/s/a.txt"
        New-EmuFile "/u$($Emu.Users.bob.UserId)/b.txt"
        $steps = @(
            { Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -Verbose -Debug }
            { Get-VaultStagingItem / -Recurse -Verbose -Debug }
            { Get-VaultStagingItem /nope -Verbose -Debug }
            { New-VaultStagingFolder /s/new/deeper -Force -Verbose -Debug }
            { New-VaultStagingFolder /s/new -Verbose -Debug }
            { Move-VaultStagingItem /s/a.txt -Destination /s/new -PassThru -Verbose -Debug }
            { Rename-VaultStagingItem /s/new/a.txt -NewName b.txt -PassThru -Verbose -Debug }
            { Remove-VaultStagingItem /s/new -Confirm:$false -Verbose -Debug }
            { Remove-VaultStagingItem /s/new -Recurse -Confirm:$false -NoWait -Verbose -Debug | Wait-VaultJob -Verbose -Debug }
            { Get-VaultJob -Id 999999 -Verbose -Debug }
            { Connect-Vault -Vault $Base -Token $token -Verbose -Debug }
            { Get-VaultStagingItem "/u$Jane" -Recurse -Verbose -Debug | Select-Object -First 2 }
            { Remove-VaultStagingItem "/u$Jane/s" -Recurse -Confirm:$false -NoWait -Verbose -Debug | Get-VaultJob -Verbose -Debug }
            { Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $sid) -Verbose -Debug }
            { Get-VaultStagingItem -Verbose -Debug }
            { Move-VaultStagingItem /b.txt -Destination /nowhere -Verbose -Debug }
        )
        $captured = foreach ($step in $steps) {
            try { & $step *>&1 } catch { $_ }
        }
        @($captured | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 10
        @($captured | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 10
        @($captured | Where-Object { $_ -is [VaultStaging.StagingItem] }).Count | Should -BeGreaterThan 3
        @($captured | Where-Object { $_ -is [VaultStaging.VaultJob] }).Count | Should -BeGreaterThan 1
        @($captured | Where-Object { $_ -is [Management.Automation.ErrorRecord] }).Count | Should -BeGreaterThan 2
        $text = ($captured | ForEach-Object {
                if ($_ -is [Management.Automation.ErrorRecord]) { "$_"; $_.FullyQualifiedErrorId; "$($_.Exception)"; "$($_.TargetObject)" }
                elseif ($_ -is [Management.Automation.InformationalRecord]) { $_.Message }
                else { $_ | Format-List * -Force | Out-String -Width 400; $_ | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue }
            }) -join "`n"
        foreach ($secret in $secrets) { $text.Contains($secret) | Should -BeFalse -Because "a secret ($($secret.Substring(0, 4))...) must not appear" }
        $text | Should -Not -Match $sessionIdShape
        @($Error | Where-Object { "$_".Contains($sid) -or "$($_.Exception)".Contains($Emu.Users.admin.Token) }).Count | Should -Be 0
    }
}

Describe 'A listing of 100,100 items' {
    BeforeAll {
        # The tree the second emulator has been making since the start of this file.
        ($script:BigTree.GetAwaiter().GetResult()).EnsureSuccessStatusCode()
        Connect-Vault -Vault $BigEmu.BaseUrl -Credential $BigEmu.Users.admin.Credential -MaximumRetryCount 0
        $null = Get-VaultStagingItem /   # the connection has learned who it is
    }

    It 'lists a tree of 100,100 items over 101 pages, each item once, as they come, in bounded memory' {
        $null = Invoke-EmulatorControl -Method Delete -Path log -Emulator $BigEmu
        $count = 0
        $files = 0
        $last = ''
        $outOfOrder = 0
        $samples = [Collections.Generic.List[long]]::new()
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Get-VaultStagingItem $BigTreeRoot -Recurse | ForEach-Object {
            $count++
            if (-not $_.IsFolder) { $files++ }
            # Depth-first with siblings in order: every path sorts after the one before, so none comes twice.
            if ([string]::CompareOrdinal($_.Path, $last) -le 0) { $outOfOrder++ }
            $last = $_.Path
            if ($count % 20000 -eq 0) { $samples.Add([GC]::GetTotalMemory($true)) }
        }
        $count | Should -Be 100100
        $files | Should -Be 100000
        $outOfOrder | Should -Be 0
        @((Invoke-EmulatorControl -Path log -Emulator $BigEmu) | ForEach-Object { $_ } | Where-Object { $_.operation -eq 'items' }).Count | Should -Be 101
        Write-Host ("    100,100 items in {0:N1} s; managed heap at 20k, 40k, ... items: {1} MB" -f $watch.Elapsed.TotalSeconds, (($samples | ForEach-Object { [math]::Round($_ / 1MB, 2) }) -join ', '))
        # Holding 80,000 more items would grow the heap by about 30 MB; streaming keeps it flat.
        ($samples[-1] - $samples[0]) / 1MB | Should -BeLessThan 3 -Because "the heap went $(($samples | ForEach-Object { [math]::Round($_ / 1MB, 2) }) -join ', ') MB"
    }
}
