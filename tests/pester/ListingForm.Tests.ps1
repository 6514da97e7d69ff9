#Requires -Version 7.0
# Listings as a real vault gave them. Which shape a vault gives its listings is UNCONFIRMED: Veeva's reference
# shows folders without a trailing '/' and recursive listings that hold the folders; vvfst's authors recorded a
# vault answering folders first with paths ending in '/', and recursive listings of files alone. The emulator
# serves each (--listing-form reference|recorded); every command must give the same results with either.
# Real pwsh, the built module, the emulator as a child process; its request log shows what was called.

BeforeDiscovery {
    $script:Forms = @(@{ Form = 'reference' }, @{ Form = 'recorded' })
}

BeforeAll {
    $script:StartLocation = (Get-Location).Path
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $ProgressPreference = 'SilentlyContinue'

    # Files two levels down, a folder holding only a folder, a name that sorts between a folder and its
    # contents ('a-c.txt'), and one empty folder, under jane's folder.
    $script:Files = 'a/b/one.txt', 'a/b/two.txt', 'a/three.txt', 'a-c.txt', 'deep/er/four.txt', 'top.txt'
    $script:Folders = 'a', 'a/b', 'deep', 'deep/er'
    function Add-Tree([string] $Root) {
        $i = 0
        foreach ($f in $Files) {
            $i++
            $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "$Root/$f"; kind = 'file'; size = 100 * $i }
        }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "$Root/empty"; kind = 'folder' }
    }
    # Calls that change something on the staging server (auth and keep-alive aside).
    function Get-WriteCall { @(Get-EmulatorLog | Where-Object { $_.method -ne 'GET' -and $_.operation -notin 'auth', 'keepalive' }) }
    function Get-LocalTree([string] $Root) {
        @(Get-ChildItem -LiteralPath $Root -Recurse -Force | ForEach-Object {
            ($_.FullName.Substring($Root.Length + 1).Replace('\', '/')) + $(if ($_.PSIsContainer) { '/' })
        } | Sort-Object -CaseSensitive)
    }
}

AfterAll {
    Set-Location -LiteralPath $StartLocation
}

Describe 'Listings in the <Form> form' -ForEach $Forms {
    BeforeAll {
        $script:Emu = Start-TestEmulator -ArgumentList '--listing-form', $Form, '--item-job-duration-ms', '0'
        Add-Tree '/u10001400/t'
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users.jane.Credential
        # Every folder a recursive listing can name: an empty one only where the vault lists folders at all.
        $script:Visible = @($Folders + $(if ($Form -eq 'reference') { 'empty' })) | Sort-Object -CaseSensitive
        $script:Expected = @(($Visible | ForEach-Object { "/t/$_" }) + ($Files | ForEach-Object { "/t/$_" })) | Sort-Object -CaseSensitive
        $script:Local = Join-Path $TestDrive "down-$Form"
    }
    AfterAll {
        Set-Location -LiteralPath $StartLocation
        Disconnect-Vault -ErrorAction SilentlyContinue
        Stop-TestEmulator $script:Emu
    }

    It 'the emulator answers in that form' {
        $token = $Emu.Users.jane.Token
        $plain = (Invoke-RawVault -Authorization "Bearer $token" -Path 'services/file_staging/items/t').data
        $deep = (Invoke-RawVault -Authorization "Bearer $token" -Path 'services/file_staging/items/t?recursive=true').data
        if ($Form -eq 'recorded') {
            $plain[0].path | Should -Be '/t/a/'
            @($deep | Where-Object kind -EQ 'folder').Count | Should -Be 0
        } else {
            $plain[0].path | Should -Be '/t/a'
            @($deep | Where-Object kind -EQ 'folder').Count | Should -Be 5
        }
    }

    It 'Get-VaultStagingItem -Recurse gives every folder once, before its contents, and never an empty name' {
        $items = @(Get-VaultStagingItem /t -Recurse)
        @($items.Path | Sort-Object -CaseSensitive) | Should -Be $Expected
        @($items | Where-Object IsFolder).Path | Sort-Object -CaseSensitive | Should -Be @($Visible | ForEach-Object { "/t/$_" })
        foreach ($item in $items) {
            $item.Name | Should -Not -BeNullOrEmpty
            $item.Name | Should -Be ($item.Path -split '/')[-1]
            if ($item.Parent -ne '/t') { $items.IndexOf(($items | Where-Object Path -EQ $item.Parent)) | Should -BeLessThan $items.IndexOf($item) -Because "$($item.Parent) comes before $($item.Path)" }
        }
        @(Get-VaultStagingItem /t).Name | Sort-Object -CaseSensitive | Should -Be @('a', 'a-c.txt', 'deep', 'empty', 'top.txt')
    }

    It 'Get-ChildItem Vault:/t -Recurse on the drive gives the same folders and files' {
        $items = @(Get-ChildItem Vault:/t -Recurse)
        @($items.Path | Sort-Object -CaseSensitive) | Should -Be @($Expected | ForEach-Object { "Vault:$_" })
        @(Get-ChildItem Vault:/t -Recurse -Directory).Name | Sort-Object -CaseSensitive | Should -Be @($Visible | ForEach-Object { ($_ -split '/')[-1] } | Sort-Object -CaseSensitive)
        # -Name walks folder by folder (PowerShell's own walk), so it may also find the empty folder a recursive listing hid.
        $names = @(Get-ChildItem Vault:/t -Recurse -Name)
        $Expected | ForEach-Object { $names | Should -Contain $_.Substring(3) }
        @($names | Where-Object { "/t/$_" -notin $Expected -and $_ -ne 'empty' }) | Should -BeNullOrEmpty
        $items | ForEach-Object { $_.Name | Should -Not -BeNullOrEmpty }
        Set-Location Vault:/t/deep
        (Get-ChildItem).Name | Should -Be 'er'
        Set-Location -LiteralPath $StartLocation
    }

    It 'Receive-VaultFile -Recurse makes the folders it needs and brings every file' {
        $results = @(Receive-VaultFile /t -Recurse -Destination $Local -PassThru)
        $results.Count | Should -Be $Files.Count
        Get-LocalTree $Local | Should -Be (@(($Visible | ForEach-Object { "$_/" }) + $Files) | Sort-Object -CaseSensitive)
    }

    It 'an unchanged Sync-VaultStagingFolder makes no call that writes, in either direction' {
        # The local copy has the empty folder in both forms (the recorded form hides it from a recursive listing).
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Local 'empty')
        foreach ($direction in 'Upload', 'Download', 'Upload') {
            $null = Invoke-EmulatorControl -Method Delete -Path log
            $records = @(Sync-VaultStagingFolder -Path $Local -Destination /t -Direction $direction -Delete -Force -PassThru)
            @($records | Where-Object Action -NE 'Skipped').Count | Should -Be 0 -Because "nothing changed ($direction)"
            Get-WriteCall | Should -BeNullOrEmpty -Because "an unchanged $direction sync writes nothing"
            Test-Path -LiteralPath (Join-Path $Local 'empty') | Should -BeTrue -Because 'a folder on both sides stays'
        }
        (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/t/empty'))).exists | Should -BeTrue
    }

    It 'a sync reads from the one listing which folders are there, and looks up only a folder with no file in it' {
        # Local: new folders with files (one two deep), a folder already staged with its file, a folder empty on both
        # sides, and an empty one that is new. The staging folder holds files only, so neither form names a folder.
        $source = Join-Path $TestDrive "folders-$Form"
        foreach ($f in 'new1/x.txt', 'new2/sub/y.txt', 'new3/z.txt', 'top.txt', 'kept/k.txt') {
            $null = New-Item -ItemType File -Force -Path (Join-Path $source $f) -Value 'abc'
            (Get-Item -LiteralPath (Join-Path $source $f)).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1)
        }
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $source 'hollow'), (Join-Path $source 'fresh-empty')
        foreach ($f in 'top.txt', 'kept/k.txt') { $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u10001400/n/$f"; kind = 'file'; size = 3 } }
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = '/u10001400/n/hollow'; kind = 'folder' }
        $null = Invoke-EmulatorControl -Method Delete -Path log

        $records = @(Sync-VaultStagingFolder -Path $source -Destination /n -Direction Upload -PassThru)

        @($records | Where-Object Action -EQ 'Uploaded').RelativePath | Sort-Object | Should -Be @('fresh-empty', 'new1', 'new1/x.txt', 'new2', 'new2/sub', 'new2/sub/y.txt', 'new3', 'new3/z.txt')
        $reads = @(Get-EmulatorLog | Where-Object { $_.method -eq 'GET' -and $_.operation -eq 'items' } | ForEach-Object { $_.path -replace '^.*/file_staging/items', '' })
        # The folder itself, its one recursive listing, and (where the listing names no folder) the two local folders
        # with no file in them, which only a read tells apart: 'hollow' is there, empty, and 'fresh-empty' is not.
        # (The connection's own first call, whether jane is an admin, reads /u10001400 when no test made it before.)
        $lookedUp = @($reads | Where-Object { $_ -notin '/n', '/u10001400/n', '/u10001400' })
        if ($Form -eq 'reference') { $lookedUp | Should -BeNullOrEmpty }
        else { @($lookedUp -replace '^/u10001400', '' | Sort-Object) | Should -Be @('/n/fresh-empty', '/n/hollow') }
        @(Get-WriteCall | Where-Object { $_.operation -eq 'item-create' }).Count | Should -Be 8 -Because 'five folders made and three files sent, none already there'
        (Invoke-EmulatorControl -Path ('items?path=' + [uri]::EscapeDataString('/u10001400/n/new2/sub/y.txt'))).exists | Should -BeTrue

        # A download without -Delete does nothing with a local folder the staging server lacks: nothing to look up.
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $null = Sync-VaultStagingFolder -Path $source -Destination /n -Direction Download
        @(Get-EmulatorLog | Where-Object { $_.method -eq 'GET' -and $_.operation -eq 'items' }).Count | Should -Be 2 -Because 'the folder and its one listing'
    }
}
