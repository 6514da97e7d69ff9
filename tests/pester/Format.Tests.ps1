#Requires -Version 7.0
# What a user sees in an 80-column console (issue 22): each command's default output rendered with
# Out-String -Width 80, as a console of that width shows it, and checked for what is visible: every header on
# one line, one row per object, the values that matter, nothing wider than 80. Also the words the results use,
# the Modified date of a file New-Item made on the drive, and the README's way to run the emulator for one's
# own tests. The built module in a real pwsh against the emulator as a child process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $script:Emu = Start-TestEmulator
    $PSStyle.OutputRendering = 'PlainText'
    $ProgressPreference = 'SilentlyContinue'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-format-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $Work

    # The lines a console 80 columns wide shows for these objects (their default view), blank lines left out.
    function Get-Screen {
        param([Parameter(ValueFromPipeline)] $InputObject)
        end { @(($input | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() -ne '' }) }
    }
    # A table of one header, one rule under it and a row per object, no line wider than 80.
    function Assert-Table([string[]] $Lines, [string] $Header, [int] $Rows) {
        $Lines[0] | Should -Match $Header -Because "the header is on one line: `n$($Lines -join "`n")"
        $Lines[1] | Should -Match '^[- ]+$'
        $Lines.Count | Should -Be (2 + $Rows) -Because "one line per object: `n$($Lines -join "`n")"
        foreach ($line in $Lines) { $line.Length | Should -BeLessOrEqual 80 -Because $line }
    }

    $script:Small = New-TestFile -Folder (Join-Path $Work 'up') -Name 'small.csv' -Bytes 1234 -Seed 1
    $script:Larger = New-TestFile -Folder (Join-Path $Work 'up') -Name 'sub/larger.bin' -Bytes 300000 -Seed 2
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Each command''s output at 80 columns' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users['jane'].Credential
    }

    It 'Send-VaultFile -PassThru: a row per file, Status, Method and Size first, the Destination last' {
        $results = @(Send-VaultFile -LiteralPath $Small -Destination /Looks/ -PassThru) +
            @(Send-VaultFile -LiteralPath $Larger -Destination /Looks/sub/ -UploadMethod UploadSession -PassThru)
        $lines = $results | Get-Screen
        Assert-Table $lines '^Status\s+Method\s+Size\s+Destination$' 2
        $lines[2] | Should -Match '^Staged\s+Direct\s+1,234 /Looks/small\.csv$'
        $lines[3] | Should -Match '^CommitAccepted\s+UploadSession\s+300,000 /Looks/sub/larger\.bin$'
    }

    It 'Receive-VaultFile -PassThru: Status, Size and the staging path' {
        $results = @(Receive-VaultFile -Path /Looks -Recurse -Destination (Join-Path $Work 'down') -PassThru | Sort-Object Path)
        $lines = $results | Get-Screen
        Assert-Table $lines '^Status\s+Size\s+Path$' 2
        $lines[2] | Should -Match '^Downloaded\s+1,234 /Looks/small\.csv$'
        $lines[3] | Should -Match '^Downloaded\s+300,000 /Looks/sub/larger\.bin$'
    }

    It 'Sync-VaultStagingFolder -PassThru: Action, Size, Reason and the relative path, a folder''s ending in /' {
        $records = @(Sync-VaultStagingFolder -Path (Join-Path $Work 'up') -Destination /Synced -PassThru)
        $lines = $records | Get-Screen
        Assert-Table $lines '^Action\s+Size\s+Reason\s+RelativePath$' 3
        $lines -match '^Uploaded\s+missing on the target\s+sub/$' | Should -HaveCount 1
        $lines -match '^Uploaded\s+1,234 missing on the target\s+small\.csv$' | Should -HaveCount 1
        $lines -match '^Uploaded\s+300,000 missing on the target\s+sub/larger\.bin$' | Should -HaveCount 1
    }

    It 'keeps every property of a result for Format-List' {
        $result = Send-VaultFile -LiteralPath $Small -Destination /Looks/ -Overwrite -PassThru
        $text = $result | Format-List | Out-String -Width 80
        foreach ($name in $result.PSObject.Properties.Name) { $text | Should -Match "(?m)^$name\s+:" }
    }

    It 'Get-VaultUploadSessionPart: PartNumber, Size and Md5, not the session id' {
        $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
            owner = $Emu.Users['jane'].UserId; path = '/u10001400/Looks/parts.bin'; size = 12MB; uploaded = 10MB; uploadedParts = 2 }
        $session = Get-VaultUploadSession | Where-Object Path -eq '/Looks/parts.bin'
        $lines = $session | Get-VaultUploadSessionPart | Get-Screen
        Assert-Table $lines '^PartNumber\s+Size\s+Md5$' 2
        $lines[2] | Should -Match '^\s+1\s+5,242,880 [0-9a-f]{32}$'
        $lines[3] | Should -Match '^\s+2\s+5,242,880 [0-9a-f]{32}$'
        $lines -join "`n" | Should -Not -Match ([regex]::Escape($session.Id))
    }

    It 'Get-VaultConnection: every header on one line' {
        $lines = Get-VaultConnection | Get-Screen
        Assert-Table $lines '^Vault\s+UserName\s+UserId\s+Auth\s+API\s+Connected$' 1
        $lines[2] | Should -Match ('^{0}\s+jane@emulator\.vault\s+10001400 Password\s+v26\.1 True$' -f [regex]::Escape(([uri]$Emu.BaseUrl).Authority))
    }

    It 'Get-VaultUploadSession: sizes in MiB, as the header says' {
        $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{ owner = $Emu.Users['jane'].UserId; path = '/u10001400/Looks/mib.bin'; size = 3MB }
        $lines = Get-VaultUploadSession | Where-Object Path -eq '/Looks/mib.bin' | Get-Screen
        Assert-Table $lines '^Size \(MiB\)\s+Done %\s+Owner\s+Last upload\s+Expires\s+Path$' 1
        $lines[2] | Should -Match '^\s+3\.0\s'
    }

    It 'a job started with -NoWait: (submitted) until its status is read, not a blank' {
        $null = New-VaultStagingFolder /JobsTo
        $null = New-Item Vault:/job.txt -ItemType File -Value 'x'
        $job = Move-VaultStagingItem /job.txt -Destination /JobsTo -NoWait
        $lines = $job | Get-Screen
        Assert-Table $lines '^\s*JobId\s+Status\s+Ended\s+Operation$' 1
        $lines[2] | Should -Match ('^\s*{0} \(submitted\)\s+Move /job\.txt to /JobsTo' -f $job.JobId)
    }

    It 'New-Item on the drive: the new file comes back with its Modified date' {
        $item = New-Item Vault:/Looks/note.txt -ItemType File -Value 'hello'
        $lines = $item | Get-Screen
        Assert-Table $lines '^Kind\s+Modified\s+Size\s+Path$' 1
        $lines[2] | Should -Match '^File\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+5 Vault:/Looks/note\.txt$'
        $item.ModifiedDate | Should -Be (Get-VaultStagingItem /Looks/note.txt).ModifiedDate
    }
}

Describe 'What about_VaultStaging_Provider says of paths, checked' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users['admin'].Credential
        $null = New-VaultStagingFolder '/u10001400/Br[ack]ets'
        $null = New-Item -Path 'Vault:/u10001400/Br[ack]ets/a[1].txt' -ItemType File -Value 'x'
        $script:StartLocation = (Get-Location).Path
    }
    AfterEach { Set-Location $StartLocation }

    It 'on Linux and macOS, /x inside Vault: is the file system''s; Vault:/x and ./x are the drive''s' -Skip:$IsWindows {
        Set-Location Vault:/u10001400
        Test-Path /u10001400 | Should -BeFalse -Because 'a path that starts with / is read as the file system''s root'
        Test-Path Vault:/u10001400 | Should -BeTrue
        Test-Path './Br`[ack`]ets' | Should -BeTrue
    }

    It 'completes a name with [ from the form the completion wrote, with its backticks, and not from a bare [' {
        $complete = { param($line) @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) }
        & $complete 'Get-Item Vault:/u10001400/Br' | Should -Be @("'Vault:/u10001400/Br``[ack``]ets'")
        & $complete "Get-Item 'Vault:/u10001400/Br``[ack``]ets/a" | Should -Be @("'Vault:/u10001400/Br``[ack``]ets/a``[1``].txt'")
        & $complete "Get-Item 'Vault:/u10001400/Br[ack]ets/a" | Should -BeNullOrEmpty
    }
}

Describe 'One word per direction' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users['jane'].Credential
    }

    It 'Sync says Uploaded going up and Downloaded coming down, the word Receive-VaultFile uses' {
        $up = @(Sync-VaultStagingFolder -Path (Join-Path $Work 'up') -Destination /Words -PassThru)
        @($up.Action | Sort-Object -Unique) | Should -Be @('Uploaded')
        $down = @(Sync-VaultStagingFolder -Path (Join-Path $Work 'words-down') -Destination /Words -Direction Download -PassThru)
        $down.Count | Should -Be 3
        @($down.Action | Sort-Object -Unique) | Should -Be @('Downloaded')
        (Receive-VaultFile -Path /Words/small.csv -Destination (Join-Path $Work 'words-receive/') -PassThru).Status | Should -Be 'Downloaded'
    }
}

Describe 'The README''s emulator for your own tests' {
    BeforeAll {
        # The section's two PowerShell blocks: start and connect, then disconnect and stop.
        $readme = Get-Content -Raw (Join-Path $RepoRoot 'README.md')
        $script:Section = [regex]::Match($readme, '(?ms)^## Testing your own scripts against the emulator\r?\n.*?(?=^## )').Value
        $script:Blocks = @([regex]::Matches($Section, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value })
        $script:Root = Join-Path $Work 'emulator-root'
        # The block names its staging folder on one line, which the test points at a folder of its own.
        $script:StartCode = $Blocks[0] -replace '(?m)^\$stagingRoot = .*$', ('$stagingRoot = ''{0}''' -f $Root)
        $script:StopCode = $Blocks[1]
        function Invoke-Block([string] $Code) {
            Push-Location $RepoRoot
            try { . ([scriptblock]::Create($Code)) } finally { Pop-Location }
        }
    }
    AfterAll {
        if ($script:emulator -and -not $script:emulator.HasExited) { $script:emulator.Kill($true) }
    }

    It 'starts the built Release copy with --port-file and --exit-on-stdin-eof, never dotnet run' {
        $Section | Should -Not -BeNullOrEmpty
        $Blocks.Count | Should -Be 2
        $Blocks[0] | Should -Match ([regex]::Escape('tests/VaultStaging.Emulator/bin/Release/net10.0/VaultStaging.Emulator.dll'))
        $Blocks[0] | Should -Match '--port-file'
        $Blocks[0] | Should -Match '--exit-on-stdin-eof'
        $Blocks[0] | Should -Match '(?m)^\$stagingRoot = '
        foreach ($code in [regex]::Matches($Section, '(?ms)^```\w*\r?\n(.*?)^```').Value) { $code | Should -Not -Match 'dotnet run' }
        foreach ($dll in [regex]::Matches($Section, 'tests/VaultStaging\.Emulator/bin/Release/net10\.0/VaultStaging\.Emulator\.dll').Value | Sort-Object -Unique) {
            Join-Path $RepoRoot $dll | Should -Exist -Because 'build.ps1 Build builds it'
        }
    }

    It 'runs as the README says, and a restart keeps what the README says it keeps' {
        . Invoke-Block $StartCode
        $script:emulator = $emulator
        (Get-VaultConnection).Vault | Should -Be ([uri]$url).Authority
        $null = Send-VaultFile -LiteralPath $Small -Destination /u10001400/Runbook/
        $session = New-VaultUploadSession -Path /u10001400/Runbook/big.bin -Size 123456789
        (Get-VaultStagingItem /u10001400/Runbook/small.csv).Size | Should -Be 1234
        . Invoke-Block $StopCode
        $emulator.HasExited | Should -BeTrue -Because 'closing its standard input stops it'

        . Invoke-Block $StartCode
        $script:emulator = $emulator
        try {
            $Section | Should -Match 'What survives a restart\.\*\* With `--staging-root DIR`, the staged files and the upload sessions'
            (Get-VaultStagingItem /u10001400/Runbook/small.csv).Size | Should -Be 1234 -Because 'the README says staged files under --staging-root survive a restart'
            @(Get-VaultUploadSession | Where-Object Id -eq $session.Id) | Should -HaveCount 1 -Because 'the README says upload sessions under --staging-root survive a restart'
        } finally {
            . Invoke-Block $StopCode
        }
    }
}
