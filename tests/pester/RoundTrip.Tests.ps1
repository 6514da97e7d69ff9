# Upload sessions travel through files and back into the module's cmdlets: Export-Csv/Import-Csv,
# Export-Clixml/Import-Clixml and ConvertTo-Json/ConvertFrom-Json, then Remove-VaultUploadSession (Id binds by
# property name). Dates come back as the same instants (CSV: to the second, as text in local time).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Emu = Start-TestEmulator
    $PSStyle.OutputRendering = 'PlainText'
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) "vaultstaging-roundtrip-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $script:Temp

    # Three more sessions beside the seed's, with dates that have milliseconds.
    function Add-RoundTripSessions {
        $jane = $script:Emu.Users.jane.UserId
        foreach ($i in 1..3) {
            $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
                owner = $jane; path = "/u$jane/roundtrip/file-$i.bin"; size = 104857600L * $i; uploaded = 5242880L * $i
                createdDate = [DateTime]::UtcNow.AddHours(-$i).AddMilliseconds(123 * $i).ToString('yyyy-MM-ddTHH:mm:ss.fffZ')
            }
        }
    }

    # The same instant: DateTime values of any Kind, or text, compared in UTC.
    function Assert-SameInstant($Actual, [datetime] $Expected, [double] $ToleranceSeconds = 0.001, [string] $Because) {
        if ($Actual -is [string]) { $Actual = [datetime]::Parse($Actual, [Globalization.CultureInfo]::CurrentCulture) }
        $Actual | Should -BeOfType ([datetime])
        [math]::Abs(($Actual.ToUniversalTime() - $Expected.ToUniversalTime()).TotalSeconds) | Should -BeLessOrEqual $ToleranceSeconds -Because $Because
    }
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
    Remove-Item $script:Temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Round trip through <Format>' -ForEach @(
    @{ Format = 'Export-Csv / Import-Csv'; Tolerance = 1.0
        Export = { param($s, $f) $s | Export-Csv -Path $f -NoTypeInformation }
        Import = { param($f) Import-Csv -Path $f } }
    @{ Format = 'Export-Clixml / Import-Clixml'; Tolerance = 0.001
        Export = { param($s, $f) $s | Export-Clixml -Path $f }
        Import = { param($f) Import-Clixml -Path $f } }
    @{ Format = 'ConvertTo-Json / ConvertFrom-Json'; Tolerance = 0.001
        Export = { param($s, $f) ConvertTo-Json -InputObject @($s) -Depth 3 | Set-Content -Path $f -Encoding utf8 }
        Import = { param($f) Get-Content -Raw -Path $f | ConvertFrom-Json | ForEach-Object { $_ } } }
) {
    BeforeEach {
        Reset-TestEmulator
        Add-RoundTripSessions
        Connect-Vault -Vault $script:Emu.BaseUrl -Credential $script:Emu.Users.admin.Credential -MaximumRetryCount 0
        $script:File = Join-Path $script:Temp ([guid]::NewGuid().ToString('N'))
        $script:Before = @(Get-VaultUploadSession)
        & $Export $script:Before $script:File
        $script:After = @(& $Import $script:File)
    }

    It 'gives back every session with its Id, Path, Owner, Size and Uploaded' {
        $script:Before.Count | Should -Be 6
        $script:After.Count | Should -Be $script:Before.Count
        foreach ($s in $script:Before) {
            $back = $script:After | Where-Object Id -eq $s.Id
            $back | Should -Not -BeNullOrEmpty -Because "session $($s.Id) comes back"
            $back.Path | Should -Be $s.Path
            [long]$back.Owner | Should -Be $s.Owner
            [long]$back.Size | Should -Be $s.Size
            [long]$back.Uploaded | Should -Be $s.Uploaded
        }
    }

    It 'gives back the dates as the same instants' {
        foreach ($s in $script:Before) {
            $back = $script:After | Where-Object Id -eq $s.Id
            foreach ($p in 'CreatedDate', 'ExpirationDate') {
                Assert-SameInstant $back.$p $s.$p -ToleranceSeconds $Tolerance -Because "$p of $($s.Path)"
            }
        }
    }

    It 'feeds Get-VaultUploadSession by property name' {
        $details = @($script:After | Get-VaultUploadSession)
        $details.Id | Sort-Object | Should -Be ($script:Before.Id | Sort-Object)
    }

    It 'feeds Remove-VaultUploadSession -WhatIf, which aborts nothing' {
        $script:After | Remove-VaultUploadSession -WhatIf
        @(Get-VaultUploadSession).Count | Should -Be $script:Before.Count
    }

    It 'feeds Remove-VaultUploadSession -Confirm:$false, which aborts them all' {
        $script:After | Remove-VaultUploadSession -Confirm:$false -ErrorAction Stop
        @(Get-VaultUploadSession) | Should -BeNullOrEmpty
        $log = Invoke-EmulatorControl -Path log   # one JSON array: assigned first so the pipeline enumerates it
        $aborts = @($log | Where-Object { $_.operation -eq 'abort' -and $_.responseStatus -eq 'SUCCESS' })
        $aborts.Count | Should -Be $script:Before.Count
    }
}

Describe 'Round trip of dates in a time zone that is not UTC' {
    It 'keeps the instants through Clixml and JSON, and CSV to the second, under TZ=<Tz>' -ForEach @(
        @{ Tz = 'Pacific/Chatham' }   # UTC+12:45 / +13:45
        @{ Tz = 'America/St_Johns' }  # UTC-3:30 / -2:30
    ) {
        $script:Probe = @'
param($ModulePath, $BaseUrl, $UserName, $Password, $Folder)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Connect-Vault -Vault $BaseUrl -Credential ([pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force)))
$sessions = @(Get-VaultUploadSession)
$sessions | Export-Csv (Join-Path $Folder 's.csv') -NoTypeInformation
$sessions | Export-Clixml (Join-Path $Folder 's.xml')
ConvertTo-Json -InputObject $sessions -Depth 3 | Set-Content (Join-Path $Folder 's.json')
$csv = @(Import-Csv (Join-Path $Folder 's.csv'))
$xml = @(Import-Clixml (Join-Path $Folder 's.xml'))
$json = @(Get-Content -Raw (Join-Path $Folder 's.json') | ConvertFrom-Json | ForEach-Object { $_ })
$utc = { param($d) if ($d -is [string]) { $d = [datetime]::Parse($d, [Globalization.CultureInfo]::CurrentCulture) }; $d.ToUniversalTime().ToString('o') }
[pscustomobject]@{
    Offset = [TimeZoneInfo]::Local.BaseUtcOffset.ToString()
    Original = @($sessions | ForEach-Object { & $utc $_.ExpirationDate })
    Csv = @($csv | ForEach-Object { & $utc $_.ExpirationDate })
    Clixml = @($xml | ForEach-Object { & $utc $_.ExpirationDate })
    Json = @($json | ForEach-Object { & $utc $_.ExpirationDate })
} | ConvertTo-Json -Compress
'@
        Reset-TestEmulator
        $folder = Join-Path $script:Temp ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $folder
        $probeFile = Join-Path $folder 'probe.ps1'
        Set-Content -Path $probeFile -Value $script:Probe
        $admin = $script:Emu.Users.admin
        $saved = $env:TZ
        try {
            $env:TZ = $Tz
            $json = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $probeFile `
                $script:ModulePath $script:Emu.BaseUrl $admin.UserName $admin.Password $folder
        } finally {
            $env:TZ = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($json -join "`n")
        $r = ($json | Select-Object -Last 1) | ConvertFrom-Json -DateKind String
        $r.Offset | Should -Not -Be '00:00:00' -Because "the child runs under TZ=$Tz"
        # CSV holds local time as text to the second; Clixml and JSON keep the exact instant.
        @($r.Original).Count | Should -Be 3
        $r.Clixml | Should -Be $r.Original
        $r.Json | Should -Be $r.Original
        for ($i = 0; $i -lt $r.Original.Count; $i++) {
            $a = [DateTimeOffset]::Parse($r.Csv[$i]); $b = [DateTimeOffset]::Parse($r.Original[$i])
            [math]::Abs(($a - $b).TotalSeconds) | Should -BeLessThan 1
        }
    }
}
