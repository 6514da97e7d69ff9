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
            ($records | Where-Object Action -EQ 'Sent').RelativePath | Should -Be 'new.txt'
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
