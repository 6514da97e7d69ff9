# The VaultStaging provider end to end: the staged module (out/VaultStaging) against the emulator over real
# HTTP. Every command on the drive as an admin and as a non-admin (jane, in both of the emulator's path
# modes), two drives on two connections in one runspace, a parallel runspace with its own drive, Ctrl+C
# during a long Get-ChildItem -Recurse, odd names, Copy-Item's pointer, no connection, no secret anywhere.

BeforeDiscovery {
    # Each command as the admin (paths from the staging root) and as jane, a non-admin whose "/" is her own
    # folder, in both of the emulator's modes for the paths Vault answers her.
    $script:Cases = @(
        @{ Name = 'admin'; User = 'admin'; Mode = 'relative'; Top = '/u10001400' }
        @{ Name = 'jane (paths relative to her folder)'; User = 'jane'; Mode = 'relative'; Top = '' }
        @{ Name = 'jane (paths answered from the root)'; User = 'jane'; Mode = 'absolute'; Top = '' }
    )
}

BeforeAll {
    # Tests cd into drives and into $TestDrive, which Pester deletes after this file: the next file starts here.
    $script:StartLocation = (Get-Location).Path
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Emu = Start-TestEmulator
    $script:Base = $script:Emu.BaseUrl
    $PSStyle.OutputRendering = 'PlainText'
    $ProgressPreference = 'SilentlyContinue'
    $script:Sep = [IO.Path]::DirectorySeparatorChar

    # A file or folder put straight into the emulator's tree (path from the staging root).
    function Add-StagedItem([string] $Path, [string] $Text, [byte[]] $Bytes, [long] $Size = -1, [switch] $Folder) {
        $body = @{ path = $Path; kind = $(if ($Folder) { 'folder' } else { 'file' }) }
        if ($PSBoundParameters.ContainsKey('Text')) { $Bytes = [Text.UTF8Encoding]::new($false).GetBytes($Text) }
        if ($null -ne $Bytes) { $body.contentBase64 = [Convert]::ToBase64String($Bytes) }
        elseif ($Size -ge 0) { $body.size = $Size }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body $body
    }
    function Get-StagedItem([string] $Path) { Invoke-EmulatorControl -Path "items?path=$([uri]::EscapeDataString($Path))" }
    function Get-Log { @(Invoke-EmulatorControl -Path log | ForEach-Object { $_ }) }
    function Clear-Log { $null = Invoke-EmulatorControl -Method Delete -Path log }
    function Get-Sha256([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }
    # The error a command gives (the first, terminating or not), or $null.
    function Get-CommandError([scriptblock] $Command) {
        $ErrorActionPreference = 'Stop'
        try { $null = & $Command } catch { return $_ }
        $null
    }
    # Every error a command writes, in order (the terminating one last).
    function Get-CommandErrors([scriptblock] $Command) {
        $ErrorActionPreference = 'Continue'
        $out = try { & $Command 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
    }
    # The staging tree every browsing test starts from, under jane's folder.
    $script:ExtractText = "id,name__v,status__v`n1,Cholecap,active`n2,Gludacta,inactive`n"
    $script:ExtractSize = [Text.Encoding]::UTF8.GetByteCount($ExtractText)
    function Add-JaneTree {
        Add-StagedItem '/u10001400/Imports/extract.csv' -Text $ExtractText
        Add-StagedItem '/u10001400/Imports/sub/notes.txt' -Text 'first line'
        Add-StagedItem '/u10001400/Imports/Spaced näme/Ünïcödé.txt' -Text 'grüße'
        Add-StagedItem '/u10001400/Imports/report.pdf' -Size 2048
        Add-StagedItem '/u10001400/Exports' -Folder
    }
}

AfterAll {
    Set-Location -LiteralPath $StartLocation
    Get-PSDrive -PSProvider VaultStaging -ErrorAction SilentlyContinue | Where-Object Name -ne 'Vault' | Remove-PSDrive -Force -ErrorAction SilentlyContinue
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
}

Describe 'The Vault: drive' {
    BeforeAll {
        Reset-TestEmulator
        Disconnect-Vault -ErrorAction SilentlyContinue
    }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'is there after Import-Module, on the VaultStaging provider, following the default connection' {
        $drive = Get-PSDrive Vault
        $drive.Provider.Name | Should -Be 'VaultStaging'
        $drive | Should -BeOfType ([VaultStaging.Provider.VaultDriveInfo])
        $drive.Root | Should -Be "Vault:$Sep"
        $drive.FollowsDefaultConnection | Should -BeTrue
        $drive.StagingRoot | Should -Be '/'
    }

    It 'without a connection says to run Connect-Vault, on every command, and never throws a NullReferenceException' {
        $Error.Clear()
        foreach ($command in @(
            { Get-ChildItem Vault:/ }, { Get-ChildItem Vault:/Imports -Recurse }, { Get-Item Vault:/x.csv },
            { Get-Content Vault:/x.csv }, { New-Item Vault:/x -ItemType Directory }, { Resolve-Path Vault:/x* },
            { Remove-Item Vault:/x }, { Set-Content Vault:/x.csv -Value 1 }, { Test-Path Vault:/x.csv })) {
            $errors = @(Get-CommandErrors $command)
            $errors.Count | Should -BeGreaterThan 0 -Because "$command must fail"
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NotConnected*' -Because "$command"
            "$($errors[0])" | Should -Match 'Connect-Vault' -Because "$command"
        }
        Test-Path Vault:/x.csv -ErrorAction SilentlyContinue | Should -BeFalse
        # cd into the drive works; the command that needs Vault says why it cannot.
        Push-Location Vault:/
        try { (Get-CommandError { Get-ChildItem }).FullyQualifiedErrorId | Should -BeLike 'NotConnected*' } finally { Pop-Location }
        @($Error | Where-Object { "$($_.Exception)" -match 'NullReference' }).Count | Should -Be 0
    }

    It 'follows the default connection: Connect-Vault to another vault shows that vault; Disconnect-Vault ends it' {
        $other = Start-TestEmulator
        try {
            $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001000/only-in-vault-one.txt'; kind = 'file'; size = 1 } -Emulator $Emu
            $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001000/only-in-vault-two.txt'; kind = 'file'; size = 2 } -Emulator $other
            Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
            (Get-ChildItem Vault:/u10001000).Name | Should -Be 'only-in-vault-one.txt'
            Connect-Vault -Vault $other.BaseUrl -Credential $other.Users.admin.Credential
            (Get-ChildItem Vault:/u10001000).Name | Should -Be 'only-in-vault-two.txt'
            (Get-PSDrive Vault).Connection.BaseUri | Should -Be (Get-VaultConnection).BaseUri
            Disconnect-Vault
            (Get-CommandError { Get-ChildItem Vault:/u10001000 }).FullyQualifiedErrorId | Should -BeLike 'NotConnected*'
        } finally {
            Stop-TestEmulator $other
            # TestEmulator.psm1 makes the emulator started last the default of its commands: this file's again.
            & (Get-Module TestEmulator) { param($e) $script:Current = $e } $Emu
        }
    }
}

Describe 'Browsing as <Name>' -ForEach $Cases {
    BeforeAll {
        Reset-TestEmulator
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ nonAdminPaths = $Mode }
        Add-JaneTree
        Connect-Vault -Vault $Base -Credential $Emu.Users[$User].Credential
        $script:Imports = "Vault:$Top/Imports"
    }
    AfterAll {
        Set-Location $TestDrive
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'goes into folders with Set-Location and Push-Location, with / or \' {
        Set-Location "Vault:$Top/Imports"
        (Get-Location).Path | Should -Be "Vault:$Top/Imports".Replace('/', $Sep)
        Set-Location sub
        (Get-Location).Path | Should -Be "Vault:$Top/Imports/sub".Replace('/', $Sep)
        Set-Location ..
        Push-Location ("Vault:$Top/Imports/Spaced näme".Replace('/', '\'))
        (Get-Location).Path | Should -Be "Vault:$Top/Imports/Spaced näme".Replace('/', $Sep)
        (Get-ChildItem).Name | Should -Be 'Ünïcödé.txt'
        Pop-Location
        (Get-Location).Path | Should -Be "Vault:$Top/Imports".Replace('/', $Sep)
        (Get-ChildItem -Name | Sort-Object) | Should -Be @('extract.csv', 'report.pdf', 'Spaced näme', 'sub')
        Set-Location $TestDrive
    }

    It 'lists StagingItems with their drive path, staging path and PSPath' {
        $items = @(Get-ChildItem $Imports)
        $items.Count | Should -Be 4
        $csv = $items | Where-Object Name -EQ 'extract.csv'
        $csv | Should -BeOfType ([VaultStaging.StagingItem])
        $csv.Kind | Should -Be 'File'
        $csv.Size | Should -Be $ExtractSize
        $csv.ModifiedDate | Should -BeOfType ([datetime])
        $csv.Path | Should -Be "Vault:$Top/Imports/extract.csv".Replace('/', $Sep)
        $csv.StagingPath | Should -Be "$Top/Imports/extract.csv"
        # The StagingItem itself keeps the staging path; only PowerShell's view of it reads the drive path.
        [VaultStaging.StagingItem].GetProperty('Path').GetValue($csv.PSObject.BaseObject) | Should -Be "$Top/Imports/extract.csv"
        $csv.Parent | Should -Be "$Top/Imports"
        $csv.PSPath | Should -Be "VaultStaging\VaultStaging::Vault:$Top/Imports/extract.csv".Replace('/', $Sep)
        $csv.PSChildName | Should -Be 'extract.csv'
        $csv.PSIsContainer | Should -BeFalse
        $csv.PSDrive.Name | Should -Be 'Vault'
        ($items | Where-Object Name -EQ 'sub').PSIsContainer | Should -BeTrue
        # Declared for PowerShell's type inference (tab completion after Get-ChildItem Vault:/ | ...).
        $declared = (Get-PSProvider VaultStaging).ImplementingType.GetCustomAttributes([Management.Automation.OutputTypeAttribute], $false)
        ($declared | Where-Object ProviderCmdlet -EQ 'Get-ChildItem').Type.Type | Should -Be ([VaultStaging.StagingItem])
    }

    It 'reads a whole tree for -Recurse with one listing, not a call per folder' {
        $null = Get-Item $Imports   # the connection's admin probe is done
        Clear-Log
        $all = @(Get-ChildItem $Imports -Recurse)
        ($all.StagingPath | Sort-Object) | Should -Be (@('extract.csv', 'report.pdf', 'Spaced näme', 'Spaced näme/Ünïcödé.txt', 'sub', 'sub/notes.txt') | ForEach-Object { "$Top/Imports/$_" } | Sort-Object)
        $calls = @(Get-Log | Where-Object operation -EQ 'items')
        @($calls | Where-Object query -Match 'recursive=true').Count | Should -Be 1
        # The one other call: PowerShell's check that the folder is there, asked afresh by every command.
        $calls.Count | Should -Be 2
        @($calls | Where-Object query -Match 'recursive=false&limit=1').Count | Should -Be 1
    }

    It 'takes -Filter, -Include, -Exclude, -Name, -File, -Directory and -Depth, each -Recurse with one recursive listing' {
        (Get-ChildItem $Imports -Recurse -Filter *.txt).Name | Sort-Object | Should -Be @('notes.txt', 'Ünïcödé.txt')
        (Get-ChildItem $Imports -Filter *.csv).Name | Should -Be 'extract.csv'
        Clear-Log
        (Get-ChildItem $Imports -Recurse -Include *.txt, *.pdf).Name | Sort-Object | Should -Be @('notes.txt', 'report.pdf', 'Ünïcödé.txt')
        (Get-ChildItem $Imports -Recurse -Exclude *.txt, *.pdf).Name | Sort-Object | Should -Be @('extract.csv', 'Spaced näme', 'sub')
        @(Get-Log | Where-Object operation -EQ 'items' | Where-Object query -Match 'recursive=true').Count | Should -Be 2
        @(Get-Log | Where-Object operation -EQ 'items' | Where-Object query -Match 'recursive=false&limit=1000').Count | Should -Be 0
        Clear-Log
        (Get-ChildItem $Imports -Recurse -Name | Sort-Object) | Should -Be (@('extract.csv', 'report.pdf', 'Spaced näme', 'Spaced näme/Ünïcödé.txt', 'sub', 'sub/notes.txt') | ForEach-Object { $_.Replace('/', $Sep) } | Sort-Object)
        # PowerShell walks -Name -Recurse itself: the folder's own listing, then one recursive listing for the rest.
        @(Get-Log | Where-Object operation -EQ 'items' | Where-Object query -Match 'recursive=true').Count | Should -Be 1
        (Get-ChildItem $Imports -Recurse -File).Name | Sort-Object | Should -Be @('extract.csv', 'notes.txt', 'report.pdf', 'Ünïcödé.txt')
        (Get-ChildItem $Imports -Recurse -Directory).Name | Sort-Object | Should -Be @('Spaced näme', 'sub')
        (Get-ChildItem $Imports -File -Name | Sort-Object) | Should -Be @('extract.csv', 'report.pdf')
        (Get-ChildItem "Vault:$Top/" -Depth 1).Count | Should -Be (@(Get-ChildItem "Vault:$Top/").Count + 4)
    }

    It 'answers Get-Item, Test-Path (-PathType) and Resolve-Path with wildcards' {
        $folder = Get-Item "$Imports/sub"
        $folder.Kind | Should -Be 'Folder'
        $folder.PSIsContainer | Should -BeTrue
        (Get-Item "Vault:$Top/Imports/extract.csv".Replace('/', '\')).Size | Should -Be $ExtractSize
        (Get-Item Vault:/).Kind | Should -Be 'Folder'
        Test-Path "$Imports/extract.csv" | Should -BeTrue
        Test-Path "$Imports/extract.csv" -PathType Leaf | Should -BeTrue
        Test-Path "$Imports/extract.csv" -PathType Container | Should -BeFalse
        Test-Path $Imports -PathType Container | Should -BeTrue
        Test-Path "$Imports/missing.csv" | Should -BeFalse
        Test-Path "$Imports/sub/missing/deeper" | Should -BeFalse
        (Resolve-Path "$Imports/*/*.txt").Path | Sort-Object | Should -Be @(
            "Vault:$Top/Imports/Spaced näme/Ünïcödé.txt".Replace('/', $Sep), "Vault:$Top/Imports/sub/notes.txt".Replace('/', $Sep))
        (Resolve-Path "$Imports/e*.csv").ProviderPath | Should -Be "Vault:$Top/Imports/extract.csv".Replace('/', $Sep)
        (Get-CommandError { Get-Item "$Imports/missing.csv" }).FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'streams Get-Content of an extract into ConvertFrom-Csv; -TotalCount, -Raw and -Encoding' {
        $rows = @(Get-Content "$Imports/extract.csv" | ConvertFrom-Csv)
        $rows.Count | Should -Be 2
        $rows[0].name__v | Should -Be 'Cholecap'
        ($rows | Where-Object status__v -EQ 'active').id | Should -Be '1'
        Get-Content "$Imports/extract.csv" -TotalCount 1 | Should -Be 'id,name__v,status__v'
        (Get-Content "$Imports/extract.csv" -Raw) | Should -Be $ExtractText
        Get-Content "$Imports/Spaced näme/Ünïcödé.txt" | Should -Be 'grüße'
        Add-StagedItem '/u10001400/Imports/latin1.txt' -Bytes ([Text.Encoding]::Latin1.GetBytes('café'))
        Add-StagedItem '/u10001400/Imports/utf16.txt' -Bytes ([Text.Encoding]::Unicode.GetPreamble() + [Text.Encoding]::Unicode.GetBytes("ünï`r`ncödé"))
        Get-Content "$Imports/latin1.txt" -Encoding latin1 | Should -Be 'café'
        Get-Content "$Imports/utf16.txt" | Should -Be @('ünï', 'cödé')
        (Get-CommandError { Get-Content "$Imports/extract.csv" -Tail 1 }) | Should -Not -BeNullOrEmpty
    }

    It 'reads a large file in growing ranges and stops early for -TotalCount' {
        $line = 'x' * 99
        $text = [Text.StringBuilder]::new()
        foreach ($i in 1..60000) { $null = $text.Append($i).Append(',').Append($line).Append("`n") }
        Add-StagedItem '/u10001400/Imports/big.csv' -Text $text.ToString()
        Clear-Log
        Get-Content "$Imports/big.csv" -TotalCount 3 | Should -Be @("1,$line", "2,$line", "3,$line")
        @(Get-Log | Where-Object operation -EQ 'content').Count | Should -BeLessOrEqual 2 -Because 'the first range (and at most the one read ahead) is enough'
        Clear-Log
        $count = 0
        Get-Content "$Imports/big.csv" -ReadCount 5000 | ForEach-Object { $count += $_.Count }
        $count | Should -Be 60000
        # 6 MB: 256 KiB, 512 KiB, 1, 2 and 4 MiB ranges (never the whole file in one answer).
        @(Get-Log | Where-Object operation -EQ 'content').Count | Should -BeGreaterOrEqual 5
    }

    It 'completes folder and file names on the drive, with / or \, spaces and non-ASCII' {
        function Complete([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
        $m = @(Complete "Get-ChildItem Vault:$Top/Imports/Spa")
        $m.Count | Should -Be 1
        $m[0].CompletionText | Should -Be "'Vault:$Top/Imports/Spaced näme'".Replace('/', $Sep)
        "$($m[0].ResultType)" | Should -Be 'ProviderContainer'
        $m = @(Complete ("Get-Content 'Vault:" + $Top.Replace('/', '\') + '\Imports\Spaced näme\Ü'))
        ($m.ListItemText) | Should -Contain 'Ünïcödé.txt'
        $m = @(Complete "Get-Content Vault:$Top/Imports/ex")
        $m[0].CompletionText | Should -Be "Vault:$Top/Imports/extract.csv".Replace('/', $Sep)
        "$($m[0].ResultType)" | Should -Be 'ProviderItem'
        Set-Location "Vault:$Top/Imports"
        try { (Complete 'Get-ChildItem s').ListItemText | Should -Contain 'sub' } finally { Set-Location $TestDrive }
    }
}

Describe 'Changing as <Name>' -ForEach $Cases {
    BeforeAll {
        Reset-TestEmulator
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ nonAdminPaths = $Mode }
        Add-JaneTree
        Connect-Vault -Vault $Base -Credential $Emu.Users[$User].Credential
        $script:Drive = "Vault:$Top"
    }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'makes folders: the parent must exist, -Force makes missing parents and takes an existing folder' {
        $e = Get-CommandError { New-Item "$Drive/New/a/b" -ItemType Directory }
        $e.FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        "$e" | Should -Match '-Force'
        (Get-StagedItem '/u10001400/New').exists | Should -BeFalse
        $made = New-Item "$Drive/New/a/b" -ItemType Directory -Force
        $made.Kind | Should -Be 'Folder'
        $made.Path | Should -Be "$Drive/New/a/b".Replace('/', $Sep)
        (Get-StagedItem '/u10001400/New/a/b').kind | Should -Be 'folder'
        (New-Item "$Drive/New/a" -ItemType Directory -Force).Kind | Should -Be 'Folder'
        (Get-CommandError { New-Item "$Drive/New/a" -ItemType Directory }).FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'
        (New-Item "$Drive/New/one" -ItemType Directory).StagingPath | Should -Be "$Top/New/one"
    }

    It 'sends a small file again when Vault stored something else, as Send-VaultFile does' {
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'corrupt-file'; operation = 'item-create' }
        Clear-Log
        Set-Content "$Drive/Imports/damaged.txt" -Value 'sent twice' -NoNewline
        @(Get-Log | Where-Object operation -eq 'item-create').Count | Should -Be 2
        (Get-StagedItem '/u10001400/Imports/damaged.txt').sha256 | Should -Be (Get-Sha256 ([Text.Encoding]::UTF8.GetBytes('sent twice')))
    }

    It 'writes small files with New-Item -Value and Set-Content (Vault''s MD5 checked, the bytes staged as sent)' {
        Clear-Log
        $item = New-Item "$Drive/Imports/hello.txt" -Value 'hello'
        $item.Size | Should -Be 5
        (Get-StagedItem '/u10001400/Imports/hello.txt').sha256 | Should -Be (Get-Sha256 ([Text.Encoding]::UTF8.GetBytes('hello')))
        (Get-CommandError { New-Item "$Drive/Imports/hello.txt" -Value 'again' }).FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*'
        (New-Item "$Drive/Imports/hello.txt" -Value 'again' -Force).Size | Should -Be 5

        'id,name', '1,x' | Set-Content "$Drive/Imports/written.csv"
        $nl = [Environment]::NewLine
        (Get-StagedItem '/u10001400/Imports/written.csv').sha256 | Should -Be (Get-Sha256 ([Text.Encoding]::UTF8.GetBytes("id,name${nl}1,x$nl")))
        Set-Content "$Drive/Imports/written.csv" -Value 'one' -Encoding utf8BOM -NoNewline
        (Get-StagedItem '/u10001400/Imports/written.csv').sha256 | Should -Be (Get-Sha256 ([byte[]](0xEF, 0xBB, 0xBF) + [Text.Encoding]::UTF8.GetBytes('one')))
        Get-Content "$Drive/Imports/written.csv" | Should -Be 'one'
        @(Get-Log | Where-Object operation -EQ 'item-create').Count | Should -Be 4
        (Get-CommandError { Set-Content "$Drive/Missing/x.csv" -Value 1 }).FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'refuses Set-Content over 50,000,000 bytes, Add-Content and Clear-Content, each with what to do instead' {
        Clear-Log
        $e = Get-CommandError { Set-Content "$Drive/Imports/huge.bin" -Value ([string]::new('a', 50000001)) -NoNewline }
        "$e" | Should -Match '50,000,000'
        "$e" | Should -Match 'Send-VaultFile'
        @(Get-Log | Where-Object operation -EQ 'item-create').Count | Should -Be 0
        $e = Get-CommandError { Add-Content "$Drive/Imports/extract.csv" -Value 'more' }
        "$e" | Should -Match 'cannot append'
        "$e" | Should -Match 'Set-Content'
        $e = Get-CommandError { Clear-Content "$Drive/Imports/extract.csv" }
        "$e" | Should -Match 'Clear-Content is not supported'
        (Get-StagedItem '/u10001400/Imports/extract.csv').size | Should -Be $ExtractSize
    }

    It 'renames and moves (Vault jobs, waited for); -PassThru gives the item at its new path' {
        Add-StagedItem '/u10001400/Work/a.txt' -Text 'a'
        Add-StagedItem '/u10001400/Work/Into' -Folder
        $renamed = Rename-Item "$Drive/Work/a.txt" -NewName 'b.txt' -PassThru
        $renamed.Path | Should -Be "$Drive/Work/b.txt".Replace('/', $Sep)
        (Get-StagedItem '/u10001400/Work/b.txt').exists | Should -BeTrue
        (Get-StagedItem '/u10001400/Work/a.txt').exists | Should -BeFalse
        $moved = Move-Item "$Drive/Work/b.txt" "$Drive/Work/Into" -PassThru
        $moved.StagingPath | Should -Be "$Top/Work/Into/b.txt"
        Move-Item "$Drive/Work/Into/b.txt" "$Drive/Work/c.txt"
        (Get-StagedItem '/u10001400/Work/c.txt').exists | Should -BeTrue
        Move-Item "$Drive/Work/Into" "$Drive/Imports/sub"
        (Get-StagedItem '/u10001400/Imports/sub/Into').kind | Should -Be 'folder'
        @(Get-Log | Where-Object operation -EQ 'job').Count | Should -BeGreaterOrEqual 4
    }

    # As the file system's provider does: renaming or moving an item onto its own path succeeds and changes nothing.
    # Before ItemChange, Rename-Item started a job onto the taken name (failing JOB_ERRORS_ENCOUNTERED on the emulator),
    # Move-Item onto the item's own path said ITEM_NAME_EXISTS, and into its own folder wrote nothing with -PassThru.
    It 'starts no job for Rename-Item or Move-Item onto the item''s own path, and writes the item with -PassThru' {
        Add-StagedItem '/u10001400/Same/a.txt' -Text 'a'
        Clear-Log
        (Rename-Item "$Drive/Same/a.txt" -NewName 'a.txt' -PassThru -ErrorAction Stop).StagingPath | Should -Be "$Top/Same/a.txt"
        (Move-Item "$Drive/Same/a.txt" "$Drive/Same" -PassThru -ErrorAction Stop).StagingPath | Should -Be "$Top/Same/a.txt"
        (Move-Item "$Drive/Same/a.txt" "$Drive/Same/a.txt" -PassThru -ErrorAction Stop).StagingPath | Should -Be "$Top/Same/a.txt"
        @(Get-Log | Where-Object operation -In 'item-update', 'job').Count | Should -Be 0 -Because 'no job was started'
        (Get-StagedItem '/u10001400/Same/a.txt').sha256 | Should -Be (Get-Sha256 ([Text.Encoding]::UTF8.GetBytes('a')))
    }

    # What Vault's job does with a taken name is UNCONFIRMED: it may fail, or replace the item there. Either
    # way the drive, like Rename-/Move-VaultStagingItem, refuses before any job starts.
    It 'refuses Rename-Item and Move-Item onto a taken name before starting a job (a vault whose job would <Taken>)' -ForEach @(
        @{ Taken = 'fail'; Style = 'job-error' }, @{ Taken = 'replace the item there'; Style = 'replace' }
    ) {
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ takenName = $Style }
        try {
            Add-StagedItem '/u10001400/Clash/x.txt' -Text 'x'
            Add-StagedItem '/u10001400/Clash/y.txt' -Text 'y'
            Add-StagedItem '/u10001400/Clash/Into/x.txt' -Text 'inner x'
            Add-StagedItem '/u10001400/Clash/Other/o.txt' -Text 'o'
            $before = @{}
            foreach ($p in 'x.txt', 'y.txt', 'Into/x.txt', 'Other/o.txt') { $before[$p] = (Get-StagedItem "/u10001400/Clash/$p").sha256 }
            Clear-Log
            foreach ($case in @(
                    @{ Run = { Rename-Item "$Drive/Clash/x.txt" -NewName 'y.txt' }; Says = "A file named y.txt is already in $([regex]::Escape("$Drive/Clash".Replace('/', $Sep))), so .*x.txt was not renamed" }
                    @{ Run = { Rename-Item "$Drive/Clash/Into" -NewName 'Other' }; Says = 'A folder named Other is already in .*, so .*Into was not renamed' }
                    @{ Run = { Move-Item "$Drive/Clash/x.txt" "$Drive/Clash/Into" }; Says = 'A file named x.txt is already in .*Into, so .*x.txt was not moved' }
                    @{ Run = { Move-Item "$Drive/Clash/x.txt" "$Drive/Clash/y.txt" }; Says = 'A file named y.txt is already in .*Clash, so .*x.txt was not moved' })) {
                $e = Get-CommandError $case.Run
                $e.FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS*' -Because "$($case.Run)"
                "$e" | Should -Match $case.Says
            }
            @(Get-Log | Where-Object operation -In 'item-update', 'job').Count | Should -Be 0 -Because 'no job was started'
            foreach ($p in $before.Keys) { (Get-StagedItem "/u10001400/Clash/$p").sha256 | Should -Be $before[$p] -Because "$p is as it was" }
        } finally {
            $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ takenName = 'job-error' }
            $null = Invoke-EmulatorControl -Method Delete -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/Clash'))
        }
    }

    It 'removes a file, a folder with -Recurse; -WhatIf removes nothing; a folder with items and no -Recurse asks first' {
        Add-StagedItem '/u10001400/Gone/f1.txt' -Text '1'
        Add-StagedItem '/u10001400/Gone/deep/f2.txt' -Text '2'
        Remove-Item "$Drive/Gone" -Recurse -WhatIf
        (Get-StagedItem '/u10001400/Gone/deep/f2.txt').exists | Should -BeTrue
        # No one to ask (a runspace without a host UI): PowerShell's own prompt fails, nothing is removed.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m, $c, $p) Import-Module $m; $null = New-PSDrive -Name Q -PSProvider VaultStaging -Root / -Connection $c; Remove-Item "Q:$p"').AddArgument($ModulePath).AddArgument((Get-VaultConnection)).AddArgument("$Top/Gone")
            $thrown = $null
            try { $null = $ps.Invoke() } catch { $thrown = $_ }
            "$thrown $($ps.Streams.Error)" | Should -Match 'prompt|interact'
        } finally { $ps.Dispose() }
        (Get-StagedItem '/u10001400/Gone/f1.txt').exists | Should -BeTrue
        Remove-Item "$Drive/Gone/f1.txt"
        (Get-StagedItem '/u10001400/Gone/f1.txt').exists | Should -BeFalse
        Remove-Item "$Drive/Gone" -Recurse
        (Get-StagedItem '/u10001400/Gone').exists | Should -BeFalse
        Test-Path "$Drive/Gone" | Should -BeFalse
    }

    It 'answers from Vault, never from an earlier command: what another tool removed, and what Send-VaultFile staged, shows at once' {
        Add-StagedItem '/u10001400/Fresh/old.txt' -Text 'old'
        Test-Path "$Drive/Fresh/old.txt" | Should -BeTrue
        Get-Item "$Drive/Fresh/old.txt" | Should -Not -BeNullOrEmpty
        Test-Path "$Drive/Fresh/new.txt" | Should -BeFalse
        Resolve-Path "$Drive/Fresh/new.txt" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        # Another tool removes the file (the emulator's control API: no call of this connection).
        $null = Invoke-EmulatorControl -Method Delete -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/Fresh/old.txt'))
        Test-Path "$Drive/Fresh/old.txt" | Should -BeFalse
        Get-Item "$Drive/Fresh/old.txt" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        # This runspace stages a file: even Resolve-Path, whose answers a short cache keeps for tab completion, sees it.
        $local = Join-Path $TestDrive 'new.txt'
        [IO.File]::WriteAllText($local, 'new')
        (Send-VaultFile -Path $local -Destination "$Drive/Fresh/" -PassThru).Status | Should -Be 'Staged'
        Test-Path "$Drive/Fresh/new.txt" | Should -BeTrue
        Resolve-Path "$Drive/Fresh/new.txt" | Should -Not -BeNullOrEmpty
    }

    It 'takes items piped from Get-ChildItem in Remove-Item, Get-Content and Rename-Item' {
        Add-StagedItem '/u10001400/Pipe/one.txt' -Text 'uno'
        Add-StagedItem '/u10001400/Pipe/two.txt' -Text 'dos'
        Add-StagedItem '/u10001400/Pipe/keep.csv' -Text 'k'
        Set-Location $TestDrive   # the file system: a bare staging path would be taken there
        (Get-ChildItem "$Drive/Pipe" -Filter *.txt | Get-Content) | Sort-Object | Should -Be @('dos', 'uno')
        Get-ChildItem "$Drive/Pipe/keep.csv" | Rename-Item -NewName 'kept.csv'
        (Get-StagedItem '/u10001400/Pipe/kept.csv').exists | Should -BeTrue
        Get-ChildItem "$Drive/Pipe" -Filter *.txt | Remove-Item
        (Get-ChildItem "$Drive/Pipe").Name | Should -Be 'kept.csv'
    }
}

Describe 'Vault''s failures on the drive' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001400/F/a.csv' -Text 'a'
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -MaximumRetryCount 0
    }
    AfterAll {
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'reports a failed upload of Set-Content (PowerShell would drop an error thrown while it closes the writer)' {
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'item-create'; status = 400; count = -1 }
        $e = Get-CommandError { Set-Content Vault:/F/b.csv -Value 'b' }
        $e.FullyQualifiedErrorId | Should -BeLike 'HTTP_ERROR*'
        "$e" | Should -Match 'Upload /F/b.csv failed'
        $null = Invoke-EmulatorControl -Method Delete -Path faults
    }

    It 'fails clearly when a job does not end in SUCCESS' {
        # The job runs for a while; the file it renames is removed by another tool in the meantime.
        Clear-Log
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ itemJobDurationMs = 1500 }
        Add-StagedItem '/u10001400/F/vanishing.txt' -Text 'v'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m, $c) Import-Module $m; $null = New-PSDrive -Name Q -PSProvider VaultStaging -Root / -Connection $c; try { Rename-Item Q:/F/vanishing.txt -NewName renamed.txt -ErrorAction Stop } catch { $_ }').AddArgument($ModulePath).AddArgument((Get-VaultConnection))
            $pending = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not @(Get-Log | Where-Object operation -EQ 'item-update').Count) {
                if ([DateTime]::UtcNow -gt $deadline -or $pending.IsCompleted) { throw 'Rename-Item never started its job.' }
                Start-Sleep -Milliseconds 50
            }
            $null = Invoke-EmulatorControl -Method Delete -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/F/vanishing.txt'))
            $e = @($ps.EndInvoke($pending))[0]
        } finally {
            $ps.Dispose()
            $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ itemJobDurationMs = -1 }
        }
        $e.FullyQualifiedErrorId | Should -BeLike 'JOB_ERRORS_ENCOUNTERED*'
        "$e" | Should -Match 'job \d+ ended ERRORS_ENCOUNTERED'
    }

    It 'reports a failed listing with Vault''s error type, and the next command works' {
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'items'; status = 503; count = 1 }
        (Get-CommandError { Get-ChildItem Vault:/F -Recurse }).FullyQualifiedErrorId | Should -BeLike 'HTTP_ERROR*'
        (Get-ChildItem Vault:/F -Recurse).Name | Should -Be 'a.csv'
    }
}

Describe 'Copy-Item and Move-Item across providers' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001000/c/data.csv' -Text 'a,b'
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $script:Local = Join-Path $TestDrive 'local.txt'
        Set-Content $Local 'local'
    }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'points <Case> to <Points>, under the name of the command' -ForEach @(
        @{ Case = 'Copy-Item from the drive to the file system'; Points = 'Receive-VaultFile'; Cmdlet = 'Copy-Item'; Command = { Copy-Item Vault:/u10001000/c/data.csv $TestDrive } }
        @{ Case = 'Copy-Item from the file system to the drive'; Points = 'Send-VaultFile'; Cmdlet = 'Copy-Item'; Command = { Copy-Item $Local Vault:/u10001000/c/ } }
        @{ Case = 'Copy-Item within the drive'; Points = 'Receive-VaultFile'; Cmdlet = 'Copy-Item'; Command = { Copy-Item Vault:/u10001000/c/data.csv Vault:/u10001000/c/copy.csv } }
        @{ Case = 'Move-Item off the drive'; Points = 'Receive-VaultFile'; Cmdlet = 'Move-Item'; Command = { Move-Item Vault:/u10001000/c/data.csv (Join-Path $TestDrive 'moved.csv') } }
    ) {
        $e = Get-CommandError $Command
        $e.FullyQualifiedErrorId | Should -BeLike 'VaultCopyNotSupported*'
        "$e" | Should -Match $Points
        # The console's error view (ConciseView) heads the error with the command, as the README shows it.
        $ErrorView = 'ConciseView'
        ($e | Out-String -Width 200).TrimStart() | Should -BeLike "${Cmdlet}: *"
        (Get-StagedItem '/u10001000/c/data.csv').exists | Should -BeTrue
        (Get-StagedItem '/u10001000/c/local.txt').exists | Should -BeFalse
        Test-Path (Join-Path $TestDrive 'data.csv') | Should -BeFalse
    }
}

Describe 'Two drives on two connections in one runspace' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001400/Jane/j.csv' -Text 'j'
        Add-StagedItem '/u10001500/Bob/b.csv' -Text 'b'
        Add-StagedItem '/u10001500/Bob/gone.csv' -Text 'g'
        $script:JaneC = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        $script:BobC = Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential -PassThru
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $null = New-PSDrive -Name Jane -PSProvider VaultStaging -Root / -Connection $JaneC -Scope Global
        $null = New-PSDrive -Name Bob -PSProvider VaultStaging -Root / -Connection $BobC -Scope Global
    }
    AfterAll {
        Set-Location $TestDrive
        Remove-PSDrive Jane, Bob, JaneImports -Force -ErrorAction SilentlyContinue
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'shows each user''s own files on their drive, and the admin''s whole server on Vault:' {
        (Get-PSDrive Jane).Connection | Should -Be $JaneC
        (Get-PSDrive Jane).FollowsDefaultConnection | Should -BeFalse
        (Get-ChildItem Jane:/ -Recurse -File).StagingPath | Should -Be '/Jane/j.csv'
        (Get-ChildItem Bob:/ -Recurse -File).StagingPath | Sort-Object | Should -Be @('/Bob/b.csv', '/Bob/gone.csv')
        (Get-ChildItem Vault:/ -Name) | Should -Contain 'u10001500'
        Set-Location Bob:/Bob
        (Get-ChildItem -Name) | Sort-Object | Should -Be @('b.csv', 'gone.csv')
        Set-Location Jane:/Jane
        (Get-ChildItem -Name) | Should -Be 'j.csv'
        Set-Location $TestDrive
    }

    It 'keeps a piped item on its own drive''s connection (PSPath names the drive)' {
        $item = Get-Item Bob:/Bob/gone.csv
        $item.PSPath | Should -Be "VaultStaging\VaultStaging::Bob:$($Sep)Bob$($Sep)gone.csv"
        Set-Location Jane:/
        $item | Remove-Item
        Set-Location $TestDrive
        (Get-StagedItem '/u10001500/Bob/gone.csv').exists | Should -BeFalse
        $delete = @(Get-Log | Where-Object operation -EQ 'item-delete')[-1]
        $delete.userId | Should -Be 10001500
    }

    It 'refuses Move-Item between drives on different connections' {
        $e = Get-CommandError { Move-Item Jane:/Jane/j.csv Bob:/Bob/ }
        "$e" | Should -Match 'different connections'
        (Get-StagedItem '/u10001400/Jane/j.csv').exists | Should -BeTrue
    }

    It 'makes a drive rooted at a folder, and refuses a root that does not exist' {
        $null = New-PSDrive -Name JaneImports -PSProvider VaultStaging -Root /Jane -Connection $JaneC -Scope Global
        (Get-PSDrive JaneImports).StagingRoot | Should -Be '/Jane'
        $item = Get-ChildItem JaneImports:/
        $item.StagingPath | Should -Be '/Jane/j.csv'
        $item.Path | Should -Be "JaneImports:$($Sep)j.csv"
        (Get-Item JaneImports:/).StagingPath | Should -Be '/Jane'
        $item | Get-Content | Should -Be 'j'
        Set-Location JaneImports:/
        (Get-ChildItem -Name) | Should -Be 'j.csv'
        Set-Location $TestDrive
        (Get-CommandError { New-PSDrive -Name Nowhere -PSProvider VaultStaging -Root /no/such -Connection $JaneC }).FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'says so when a drive''s connection was closed' {
        $closing = Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential -PassThru
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $null = New-PSDrive -Name Closing -PSProvider VaultStaging -Root / -Connection $closing
        Disconnect-Vault -Connection $closing
        $e = Get-CommandError { Get-ChildItem Closing:/ }
        $e.FullyQualifiedErrorId | Should -BeLike 'NotConnected*'
        "$e" | Should -Match 'closed'
    }
}

Describe 'A drive made without -Connection' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001400/Shared/jane.csv' -Text 'j'
        Add-StagedItem '/u10001500/Shared/bob.csv' -Text 'b'
        Disconnect-Vault -ErrorAction SilentlyContinue
    }
    AfterAll {
        Set-Location $TestDrive
        Remove-PSDrive Follow, Top, Early -Force -ErrorAction SilentlyContinue
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'checks its root on the default connection, then follows that connection: Connect-Vault as another user shows theirs' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
        $Error.Clear()
        $drive = New-PSDrive -Name Follow -PSProvider VaultStaging -Root /Shared -Scope Global
        $drive.StagingRoot | Should -Be '/Shared'
        $drive.FollowsDefaultConnection | Should -BeTrue
        (Get-ChildItem Follow:/).Name | Should -Be 'jane.csv'
        $null = New-PSDrive -Name Top -PSProvider VaultStaging -Root / -Scope Global
        (Get-ChildItem Top:/Shared).Name | Should -Be 'jane.csv'
        (Get-CommandError { New-PSDrive -Name Nowhere -PSProvider VaultStaging -Root /no/such }).FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential
        (Get-ChildItem Follow:/).Name | Should -Be 'bob.csv'
        (Get-ChildItem Top:/Shared).Name | Should -Be 'bob.csv'
        @($Error | Where-Object { "$($_.Exception)" -match 'NullReference' }).Count | Should -Be 0
    }

    It 'from inside Vault:, takes the root on Vault: and follows the default connection as Vault: does' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
        Push-Location Vault:/
        try { $drive = New-PSDrive -Name Inside -PSProvider VaultStaging -Root /Shared } finally { Pop-Location }
        $drive.StagingRoot | Should -Be '/Shared'
        $drive.FollowsDefaultConnection | Should -BeTrue
        (Get-ChildItem Inside:/).Name | Should -Be 'jane.csv'
    }

    It 'with no connection is made unchecked, and every use says to run Connect-Vault' {
        Disconnect-Vault
        $drive = New-PSDrive -Name Early -PSProvider VaultStaging -Root /Shared -Scope Global
        $drive.FollowsDefaultConnection | Should -BeTrue
        $e = Get-CommandError { Get-ChildItem Early:/ }
        $e.FullyQualifiedErrorId | Should -BeLike 'NotConnected*'
        "$e" | Should -Match 'Connect-Vault'
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
        (Get-ChildItem Early:/).Name | Should -Be 'jane.csv'
    }
}

Describe 'A parallel runspace' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001400/Par/p.csv' -Text 'p'
        $script:JaneC = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
    }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'has its own Vault: (no default connection there) and its own drive on a connection passed in' {
        $results = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:ModulePath
            $null = New-PSDrive -Name "P$_" -PSProvider VaultStaging -Root / -Connection $using:JaneC
            $vault = try { $null = Get-ChildItem Vault:/ -ErrorAction Stop; 'listed' } catch { $_.FullyQualifiedErrorId }
            [pscustomobject]@{
                Files = @(Get-ChildItem "P$($_):/" -Recurse -File).StagingPath
                Vault = $vault
                Drives = @(Get-PSDrive -PSProvider VaultStaging).Name -join ','
            }
        }
        $results.Count | Should -Be 2
        foreach ($r in $results) {
            $r.Files | Should -Be '/Par/p.csv'
            $r.Vault | Should -BeLike 'NotConnected*'
        }
        ($results.Drives | Sort-Object) | Should -Be @('P1,Vault', 'P2,Vault')
        # This runspace is untouched: its Vault: is still the admin's.
        (Get-ChildItem Vault:/u10001400/Par).Name | Should -Be 'p.csv'
        @(Get-PSDrive -PSProvider VaultStaging).Name | Should -Not -Contain 'P1'
    }
}

Describe 'Ctrl+C during a long Get-ChildItem -Recurse' {
    BeforeAll {
        Reset-TestEmulator
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ root = '/u10001400/Long'; folders = 10; filesPerFolder = 10 }
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
    }
    AfterAll {
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'stops within two seconds, cancelling the call in flight, and leaves the connection usable' {
        # Every listing answer of the emulator now takes 10 seconds.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'items'; delayMs = 10000; count = -1 }
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $rs
        try {
            $null = $ps.AddScript('param($m, $c) Import-Module $m; $null = New-PSDrive -Name L -PSProvider VaultStaging -Root / -Connection $c; Write-Information started; Get-ChildItem L:/Long -Recurse').AddArgument($ModulePath).AddArgument((Get-VaultConnection))
            $pending = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ($ps.Streams.Information.Count -eq 0) {
                [DateTime]::UtcNow | Should -BeLessThan $deadline -Because 'the runspace must get to Get-ChildItem'
                Start-Sleep -Milliseconds 20
            }
            Start-Sleep -Milliseconds 500   # well inside the first listing, which takes 10 s to answer
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
            $pending.IsCompleted | Should -BeTrue
        } finally {
            $ps.Dispose()
            $rs.Dispose()
        }
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        (Get-ChildItem Vault:/Long -Recurse -File).Count | Should -Be 100
    }
}

Describe 'Drive paths for Send-VaultFile, Receive-VaultFile and Sync-VaultStagingFolder' {
    BeforeAll {
        Reset-TestEmulator
        Add-StagedItem '/u10001500/Bob/b.csv' -Text 'b'
        $script:BobC = Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential -PassThru
        $script:AdminC = Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -PassThru
        $null = New-PSDrive -Name B -PSProvider VaultStaging -Root / -Connection $BobC -Scope Global
        $null = New-PSDrive -Name BobHome -PSProvider VaultStaging -Root /Bob -Connection $BobC -Scope Global
        function Resolve-DrivePath([string] $Path) {
            $c = $null; $p = $null
            $ok = [VaultStaging.Host.DrivePaths]::TryResolve($ExecutionContext.SessionState, $Path, [ref]$c, [ref]$p)
            [pscustomobject]@{ Ok = $ok; Connection = $c; Path = $p }
        }
    }
    AfterAll {
        Set-Location $TestDrive
        Remove-PSDrive B, BobHome -Force -ErrorAction SilentlyContinue
        Disconnect-Vault -ErrorAction SilentlyContinue
    }

    It 'resolves <Given> to <Expected>' -ForEach @(
        @{ Given = 'Vault:/u10001400/Imports/'; Expected = '/u10001400/Imports/'; User = 'admin' }
        @{ Given = 'Vault:\u10001400\Imports\x.csv'; Expected = '/u10001400/Imports/x.csv'; User = 'admin' }
        @{ Given = 'B:/Bob/b.csv'; Expected = '/Bob/b.csv'; User = 'bob' }
        @{ Given = 'BobHome:/b.csv'; Expected = '/Bob/b.csv'; User = 'bob' }
        @{ Given = 'BobHome:/../..'; Expected = '/Bob'; User = 'bob' }
        @{ Given = 'VaultStaging\VaultStaging::BobHome:/b.csv'; Expected = '/Bob/b.csv'; User = 'bob' }
        @{ Given = 'VaultStaging\VaultStaging::B:/Bob/'; Expected = '/Bob/'; User = 'bob' }
        @{ Given = 'VaultStaging::/u10001500/x'; Expected = '/u10001500/x'; User = 'admin' }
        @{ Given = 'B:'; Expected = '/'; User = 'bob' }
    ) {
        $r = Resolve-DrivePath $Given
        $r.Ok | Should -BeTrue
        $r.Path | Should -Be $Expected
        $r.Connection.UserName | Should -Be $Emu.Users[$User].UserName
    }

    It 'leaves <Given> alone (false): a plain staging path, another provider, no such drive' -ForEach @(
        @{ Given = '/u10001400/Imports/' }, @{ Given = 'Imports/x.csv' }, @{ Given = 'Temp:/x' }, @{ Given = 'Nope:/x' },
        @{ Given = 'FileSystem::/tmp' }, @{ Given = '' }
    ) {
        (Resolve-DrivePath $Given).Ok | Should -BeFalse
    }

    It 'follows the drive''s current location for a drive-relative path' {
        Set-Location B:/Bob
        try { (Resolve-DrivePath 'B:b.csv').Path | Should -Be '/Bob/b.csv' } finally { Set-Location $TestDrive }
    }

    It 'says NotConnected for Vault: when the runspace has no connection' {
        Disconnect-Vault
        try {
            { Resolve-DrivePath 'Vault:/x' } | Should -Throw -ExpectedMessage '*Connect-Vault*'
        } finally {
            Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        }
    }

    It 'gives a cmdlet that binds -Path by property name the drive path of a piped item, which resolves to its connection' {
        function Receive-Probe {
            [CmdletBinding()]
            param(
                [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string[]] $Path,
                [Parameter(ValueFromPipelineByPropertyName)] [VaultStaging.StagingItemKind] $Kind,
                [Parameter(ValueFromPipelineByPropertyName)] [Nullable[long]] $Size
            )
            process {
                foreach ($p in $Path) {
                    $r = Resolve-DrivePath $p
                    [pscustomobject]@{ Bound = $p; Ok = $r.Ok; Staging = $r.Path; User = $r.Connection.UserName; Kind = "$Kind"; Size = $Size }
                }
            }
        }
        $probe = Get-ChildItem B:/Bob -File | Receive-Probe
        $probe.Bound | Should -Be "B:$($Sep)Bob$($Sep)b.csv"
        $probe.Ok | Should -BeTrue
        $probe.Staging | Should -Be '/Bob/b.csv'
        $probe.User | Should -Be $Emu.Users.bob.UserName
        $probe.Kind | Should -Be 'File'
        $probe.Size | Should -Be 1
    }
}

Describe 'Odd names' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
        $null = New-Item Vault:/Odd -ItemType Directory
    }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'makes, lists, reads, renames and removes <Name>' -ForEach @(
        @{ Name = 'two  spaces.txt' }, @{ Name = 'hash#plus+percent%.txt' }, @{ Name = "it's.txt" },
        @{ Name = 'Ünïcödé 日本語.txt' }, @{ Name = 'semi;colon,comma&amp.txt' }, @{ Name = '[brackets] {braces}.txt' }
    ) {
        $path = "Vault:/Odd/$Name"
        $null = New-Item -Path $path -Value $Name
        (Get-StagedItem "/u10001400/Odd/$Name").size | Should -Be ([Text.Encoding]::UTF8.GetByteCount($Name))
        (Get-ChildItem Vault:/Odd).Name | Should -Contain $Name
        Get-Content -LiteralPath $path | Should -Be $Name
        Test-Path -LiteralPath $path | Should -BeTrue
        Rename-Item -LiteralPath $path -NewName "renamed $Name"
        Test-Path -LiteralPath "Vault:/Odd/renamed $Name" | Should -BeTrue
        Remove-Item -LiteralPath "Vault:/Odd/renamed $Name"
        (Get-StagedItem "/u10001400/Odd/renamed $Name").exists | Should -BeFalse
    }
}

Describe 'No secret in any stream' {
    BeforeAll { Reset-TestEmulator }
    AfterAll { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'shows no password, token or session id while the drive''s commands run with -Verbose -Debug under a transcript' {
        Add-StagedItem '/u10001400/S/a.csv' -Text 'a'
        $secrets = @($Emu.Users.jane.Password, $Emu.Users.jane.Token, $Emu.Users.admin.Password)
        $sid = New-TestVaultSession -User jane
        $secrets += $sid
        $transcript = Join-Path $TestDrive 'provider-transcript.txt'
        $DebugPreference = 'Continue'
        $VerbosePreference = 'Continue'
        Start-Transcript -Path $transcript | Out-Null
        try {
            $all = & {
                Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -Verbose -Debug
                Get-ChildItem Vault:/ -Recurse -Verbose -Debug
                Get-Content Vault:/S/a.csv -Verbose -Debug
                'x' | Set-Content Vault:/S/b.csv -Verbose -Debug
                Rename-Item Vault:/S/b.csv -NewName c.csv -Verbose -Debug
                Remove-Item Vault:/S/c.csv -Verbose -Debug
                Get-Item Vault:/S/missing.csv -Verbose -Debug -ErrorAction Continue
                try { Copy-Item Vault:/S/a.csv $TestDrive -Verbose -Debug } catch { $_ }
                Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $sid)
                $c = Connect-Vault -Vault $Base -Token (ConvertTo-SecureText $Emu.Users.jane.Token) -PassThru
                New-PSDrive -Name T -PSProvider VaultStaging -Root / -Connection $c | Format-List * | Out-String
                Get-ChildItem T:/ -Recurse -Verbose -Debug | Format-List * | Out-String
                Get-PSDrive T | Format-List * | Out-String
            } *>&1
        } finally {
            Stop-Transcript | Out-Null
            $DebugPreference = 'SilentlyContinue'
            $VerbosePreference = 'SilentlyContinue'
        }
        $text = (@($all | ForEach-Object { "$_"; if ($_ -is [Management.Automation.ErrorRecord]) { "$($_.Exception)"; $_.ErrorDetails } }) +
            @($Error | ForEach-Object { "$_ $($_.Exception)" }) + (Get-Content -Raw $transcript)) -join "`n"
        @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 5
        @($all | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 5
        foreach ($secret in $secrets) {
            $text.Contains($secret) | Should -BeFalse -Because "a secret ($($secret.Substring(0, 4))...) must not show"
        }
        $text | Should -Not -Match '(?<![A-Za-z0-9._-])[A-Za-z0-9._-]{100}(?![A-Za-z0-9._-])'
        Remove-PSDrive T -ErrorAction SilentlyContinue
    }
}

Describe 'about_VaultStaging_Provider' {
    It 'is found by Get-Help and explains <Topic>' -ForEach @(
        @{ Topic = 'the drive following the default connection'; Pattern = 'follows the default connection' }
        @{ Topic = 'New-PSDrive -Connection'; Pattern = 'New-PSDrive -Name Prod -PSProvider VaultStaging -Root / -Connection' }
        @{ Topic = 'Copy-Item''s alternatives'; Pattern = 'Receive-VaultFile' }
        @{ Topic = 'one recursive listing'; Pattern = 'one recursive listing' }
        @{ Topic = 'the 50,000,000-byte limit of Set-Content'; Pattern = '50,000,000 bytes' }
        @{ Topic = 'a path starting with / on Linux and macOS'; Pattern = 'On Linux and macOS, a path that starts with / is a path of the file system wherever the current location is' }
        @{ Topic = 'what to write instead of /x inside Vault:'; Pattern = 'Name the drive \(cd Vault:/u10001400' }
        @{ Topic = 'tab completion of [ and ] as PowerShell''s own'; Pattern = 'Tab completion of a path with \[ or \] is PowerShell''s own' }
    ) {
        $about = (Get-Help about_VaultStaging_Provider | Out-String -Width 200) -replace '\s+', ' '
        $about | Should -Match 'TOPIC about_VaultStaging_Provider'
        $about | Should -Match $Pattern
    }
}
