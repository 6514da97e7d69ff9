# Get-VaultUploadSession end to end: the staged module against the emulator (a child process) holding
# the seed's three upload sessions, compared with what the emulator answers to raw calls.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Emu = Start-TestEmulator
    $script:Base = $script:Emu.BaseUrl
    $PSStyle.OutputRendering = 'PlainText'

    $script:SeedSizes = @{
        'Gludacta-Flyer.docx'           = 1273267L
        'GludactaPackageBrochure.pdf'   = 1438827L
        'Cholecap-Commercial-2021.mp4'  = 32862312L
    }
    $script:Properties = 'Id', 'Path', 'Name', 'Owner', 'Size', 'Uploaded', 'UploadedParts', 'CreatedDate',
        'LastUploadedDate', 'ExpirationDate', 'Overwrite', 'PercentComplete'

    # The admin's raw list, with the dates left as the strings Vault sent.
    function Get-RawSessions([string] $User = 'admin') {
        $sid = New-TestVaultSession -User $User
        $answer = Invoke-WebRequest -Uri "$Base/api/v26.1/services/file_staging/upload" `
            -Headers @{ Authorization = $sid; Accept = 'application/json' }
        $json = $answer.Content | ConvertFrom-Json -DateKind String
        $json.responseStatus | Should -Be 'SUCCESS'
        $json.data
    }
    function Get-EmulatorLog { $log = Invoke-EmulatorControl -Path log; $log }
    function Add-TestSession([long] $Owner, [string] $Path, [long] $Size, [long] $Uploaded = 0) {
        Invoke-EmulatorControl -Method Post -Path sessions -Body @{ owner = $Owner; path = $Path; size = $Size; uploaded = $Uploaded }
    }
    function ConvertFrom-VaultDate([string] $Text) {
        [DateTimeOffset]::Parse($Text, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::AssumeUniversal)
    }
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
}

Describe 'Get-VaultUploadSession (list)' {
    BeforeEach {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
    }

    It 'declares its output type' {
        (Get-Command Get-VaultUploadSession).OutputType.Type | Should -Contain ([VaultStaging.UploadSession])
    }

    It 'lists the seed''s three sessions as typed objects with the values Vault sent' {
        $raw = @(Get-RawSessions)
        $sessions = @(Get-VaultUploadSession)
        $sessions.Count | Should -Be 3
        foreach ($s in $sessions) {
            $s | Should -BeOfType ([VaultStaging.UploadSession])
            $s.Size | Should -BeOfType ([long])
            $s.Uploaded | Should -BeOfType ([long])
            $s.Owner | Should -BeOfType ([long])
            $s.Owner | Should -Be 10001400
            $s.Size | Should -Be $SeedSizes[$s.Name]
            $s.Path | Should -Be "/u10001400/$(($s.Path -split '/')[2])/$($s.Name)"

            $r = $raw | Where-Object id -CEQ $s.Id
            $r | Should -Not -BeNullOrEmpty -Because "$($s.Id) is one of Vault's ids"
            $s.Path | Should -Be $r.path
            $s.Uploaded | Should -Be $r.uploaded
            $s.UploadedParts | Should -Be $r.uploaded_parts
            $s.PercentComplete | Should -BeGreaterOrEqual ([double]$r.uploaded / $r.size * 100 - 0.01)
            $s.PercentComplete | Should -BeLessOrEqual ([double]$r.uploaded / $r.size * 100 + 0.01)
            foreach ($pair in @(@('CreatedDate', 'created_date'), @('LastUploadedDate', 'last_uploaded_date'), @('ExpirationDate', 'expiration_date'))) {
                $value = $s.($pair[0])
                $value | Should -BeOfType ([datetime])
                $value.Kind | Should -Be 'Local'
                $value.ToUniversalTime() | Should -Be (ConvertFrom-VaultDate $r.($pair[1])).UtcDateTime
            }
        }
        ($sessions | Where-Object Name -EQ 'Gludacta-Flyer.docx').PercentComplete | Should -Be 100
        ($sessions | Where-Object Name -EQ 'GludactaPackageBrochure.pdf').PercentComplete | Should -Be 0
    }

    It 'keeps sizes past 2 GiB and 4 GiB as 64-bit numbers' {
        $null = Add-TestSession -Owner 10001400 -Path '/u10001400/big/huge.bin' -Size 322122547200 -Uploaded 5368709120
        $huge = Get-VaultUploadSession | Where-Object Name -EQ 'huge.bin'
        $huge.Size | Should -Be 322122547200
        $huge.Uploaded | Should -Be 5368709120
        $huge.Size | Should -BeOfType ([long])
    }

    It 'shows a non-admin her own sessions, another user none, and the admin everyone''s' {
        $null = Add-TestSession -Owner 10001500 -Path '/u10001500/bob.bin' -Size 1000
        $jane = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        $bob = Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential -PassThru
        $admin = Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -PassThru

        $janes = @(Get-VaultUploadSession -Connection $jane)
        $janes.Count | Should -Be 3
        $janes.Owner | Sort-Object -Unique | Should -Be 10001400

        $bobs = @(Get-VaultUploadSession -Connection $bob)
        $bobs.Count | Should -Be 1
        $bobs[0].Owner | Should -Be 10001500

        $all = @(Get-VaultUploadSession -Connection $admin)
        $all.Count | Should -Be 4
        ($all.Owner | Sort-Object -Unique) | Should -Be @(10001400, 10001500)
    }

    It 'gives bob, who has no sessions, nothing and no error' {
        $bob = Connect-Vault -Vault $Base -Credential $Emu.Users.bob.Credential -PassThru
        $errors = @()
        $sessions = @(Get-VaultUploadSession -Connection $bob -ErrorVariable errors)
        $sessions.Count | Should -Be 0
        $errors.Count | Should -Be 0
    }

    It 'follows next_page until the last page (page size 1)' {
        $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ listPageSize = 1 }
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $sessions = @(Get-VaultUploadSession)
        $sessions.Count | Should -Be 3
        ($sessions.Id | Sort-Object -Unique).Count | Should -Be 3
        @(Get-EmulatorLog | Where-Object operation -EQ 'list').Count | Should -Be 3
    }

    # (`Where-Object Uploaded -lt Size` would compare with the string 'Size': PowerShell's simplified
    # syntax takes a value, not a property, on the right, so the script-block form is what users write.)
    It 'filters unfinished uploads with Where-Object { $_.Uploaded -lt $_.Size }' {
        $unfinished = @(Get-VaultUploadSession | Where-Object { $_.Uploaded -lt $_.Size })
        $unfinished.Name | Sort-Object | Should -Be @('Cholecap-Commercial-2021.mp4', 'GludactaPackageBrochure.pdf')
        # and with the simplified syntax, against a number
        @(Get-VaultUploadSession | Where-Object Uploaded -lt 1MB).Name | Should -Be 'GludactaPackageBrochure.pdf'
        @(Get-VaultUploadSession | Where-Object Size -gt 2MB).Name | Should -Be 'Cholecap-Commercial-2021.mp4'
    }

    It 'writes every property to Export-Csv as a readable scalar, and Import-Csv reads them back' {
        $sessions = @(Get-VaultUploadSession)
        $csv = Join-Path $TestDrive 'sessions.csv'
        $sessions | Export-Csv -Path $csv -NoTypeInformation
        $rows = @(Import-Csv -Path $csv)
        $rows.Count | Should -Be 3
        foreach ($name in $Properties) { $rows[0].PSObject.Properties.Name | Should -Contain $name }
        foreach ($row in $rows) {
            $s = $sessions | Where-Object Id -CEQ $row.Id
            $s | Should -Not -BeNullOrEmpty
            foreach ($p in $row.PSObject.Properties) {
                $p.Value | Should -Not -Match '^System\.|^VaultStaging\.|^@\{|\[\]$' -Because "$($p.Name) must be a value, not a type name"
            }
            $row.Path | Should -Be $s.Path
            $row.Name | Should -Be $s.Name
            [long]$row.Size | Should -Be $s.Size
            [long]$row.Uploaded | Should -Be $s.Uploaded
            [long]$row.Owner | Should -Be $s.Owner
            [int]$row.UploadedParts | Should -Be $s.UploadedParts
            [double]$row.PercentComplete | Should -BeGreaterOrEqual ($s.PercentComplete - 0.01)
            [double]$row.PercentComplete | Should -BeLessOrEqual ($s.PercentComplete + 0.01)
            # Dates come back as the same instant (to the second) in this culture.
            ([datetime]::Parse($row.ExpirationDate) - $s.ExpirationDate).Duration().TotalSeconds | Should -BeLessThan 1
            ([datetime]::Parse($row.CreatedDate) - $s.CreatedDate).Duration().TotalSeconds | Should -BeLessThan 1
        }
    }

    It 'shows a default table of at most six columns, Path among them' {
        $sessions = @(Get-VaultUploadSession)
        $lines = @(($sessions | Format-Table | Out-String -Width 250) -split "`r?`n" | Where-Object { $_.Trim() })
        $rule = $lines | Where-Object { $_ -match '^[\s-]+$' } | Select-Object -First 1
        $rule | Should -Not -BeNullOrEmpty
        $columns = @([regex]::Matches($rule, '-+')).Count
        $columns | Should -BeLessOrEqual 6
        $columns | Should -BeGreaterOrEqual 2
        $header = $lines[[array]::IndexOf($lines, $rule) - 1]
        $header | Should -Match '\bPath\b'
        foreach ($s in $sessions) { ($lines -join "`n") | Should -Match ([regex]::Escape($s.Path)) }
    }

    It 'keeps all six columns and whole owner ids in an 80-column console' {
        $sessions = @(Get-VaultUploadSession)
        $text = $sessions | Format-Table | Out-String -Width 80
        foreach ($label in 'Path', 'Size (MiB)', 'Done %', 'Owner', 'Last upload', 'Expires') { $text | Should -Match ([regex]::Escape($label)) }
        foreach ($s in $sessions) { $text | Should -Match "\b$($s.Owner)\b" }
        $text | Should -Match '31\.3'          # the 32,862,312-byte video, in MiB
    }
}

Describe 'Get-VaultUploadSession -Id' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        $script:Ids = @(Get-RawSessions).id
    }

    It 'gets one session by -Id, and by position' {
        $one = @(Get-VaultUploadSession -Id $Ids[1])
        $one.Count | Should -Be 1
        $one[0].Id | Should -BeExactly $Ids[1]
        $one[0] | Should -BeOfType ([VaultStaging.UploadSession])
        (Get-VaultUploadSession $Ids[2]).Id | Should -BeExactly $Ids[2]
    }

    It 'takes ids from the pipeline by value, in order' {
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $got = @($Ids | Get-VaultUploadSession)
        $got.Id | Should -Be $Ids
        @(Get-EmulatorLog | Where-Object operation -EQ 'details').Count | Should -Be 3
    }

    It 'takes ids by property name: Get-VaultUploadSession | Select-Object -First 2 | Get-VaultUploadSession' {
        $first = @(Get-VaultUploadSession | Select-Object -First 2)
        $got = @(Get-VaultUploadSession | Select-Object -First 2 | Get-VaultUploadSession)
        $got.Count | Should -Be 2
        $got.Id | Should -Be $first.Id
        $got[0].Size | Should -Be $first[0].Size
    }

    It 'writes a non-terminating INVALID_DATA error for an unknown id and still returns the others' {
        $errors = @()
        $got = @(Get-VaultUploadSession -Id $Ids[0], 'no-such-upload-session', $Ids[2] -ErrorAction SilentlyContinue -ErrorVariable errors)
        $after = 'went on'
        $got.Id | Should -Be @($Ids[0], $Ids[2])
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'INVALID_DATA*'
        "$($errors[0]) $($errors[0].TargetObject)" | Should -Match 'no-such-upload-session'
        $after | Should -Be 'went on'
    }

    It 'refuses another user''s session with INSUFFICIENT_ACCESS' {
        $bobs = Add-TestSession -Owner 10001500 -Path '/u10001500/private.bin' -Size 100
        $jane = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        $errors = @()
        $got = @(Get-VaultUploadSession -Id $bobs.id -Connection $jane -ErrorAction SilentlyContinue -ErrorVariable errors)
        $got.Count | Should -Be 0
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'INSUFFICIENT_ACCESS*'
        "$($errors[0].CategoryInfo.Category)" | Should -Be 'PermissionDenied'
    }
}

Describe 'Answers that are not Vault JSON' {
    BeforeEach {
        Reset-TestEmulator
    }

    It 'an HTML 502 with no retries left gives an error naming the status and content type' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'list'; status = 502; count = -1 }
        $caught = $null
        try { $null = Get-VaultUploadSession -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'HTTP_ERROR*'
        "$caught" | Should -Match '502'
        "$caught" | Should -Match 'text/html'
        "$caught $($caught.Exception)" | Should -Not -Match 'Newtonsoft|JsonReader|Unexpected character'
        @(Get-EmulatorLog | Where-Object operation -EQ 'list').Count | Should -Be 1
    }

    It 'a truncated JSON answer gives an error naming the status and content type, not the parser''s' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'truncate'; operation = 'list'; count = -1 }
        $caught = $null
        try { $null = Get-VaultUploadSession -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        "$caught" | Should -Match '200'
        "$caught" | Should -Match 'application/json'
        "$caught" | Should -Not -Match 'Newtonsoft|JsonReader|Unexpected end|Path '''
    }

    It 'a single 502 is retried and the list still comes' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -MaximumRetryCount 2 -RetryIntervalSec 1
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'list'; status = 502; count = 1 }
        @(Get-VaultUploadSession).Count | Should -Be 3
        @(Get-EmulatorLog | Where-Object operation -EQ 'list').Count | Should -Be 2
    }
}

Describe 'Time zones' {
    BeforeAll {
        Reset-TestEmulator
        $script:ChildScript = Join-Path $TestDrive 'tz-child.ps1'
        Set-Content -Path $script:ChildScript -Encoding utf8 -Value @'
param([string] $ModulePath, [string] $BaseUrl, [string] $UserName, [string] $Password)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$credential = [pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force))
Connect-Vault -Vault $BaseUrl -Credential $credential -MaximumRetryCount 0

# What Vault says, as instants: a raw login and list, dates kept as strings.
$auth = Invoke-RestMethod -Method Post -Uri "$BaseUrl/api/v26.1/auth" -Body @{ username = $UserName; password = $Password }
$answer = (Invoke-WebRequest -Uri "$BaseUrl/api/v26.1/services/file_staging/upload" -Headers @{ Authorization = $auth.sessionId }).Content |
    ConvertFrom-Json -DateKind String
$raw = foreach ($r in $answer.data) {
    [pscustomobject]@{ Id = $r.id; Expires = [DateTimeOffset]::Parse($r.expiration_date, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::AssumeUniversal) }
}

$sessions = @(Get-VaultUploadSession)
$cases = foreach ($hours in 12, 70.5, 71.2, 71.6, 73) {
    $cutoff = (Get-Date).AddHours($hours)
    [pscustomobject]@{
        Hours    = $hours
        Got      = @($sessions | Where-Object ExpirationDate -lt $cutoff | ForEach-Object Id | Sort-Object)
        Expected = @($raw | Where-Object { $_.Expires -lt [DateTimeOffset]$cutoff } | ForEach-Object Id | Sort-Object)
    }
}
[pscustomobject]@{
    TimeZone  = [TimeZoneInfo]::Local.Id
    OffsetHours = [TimeZoneInfo]::Local.GetUtcOffset([DateTime]::UtcNow).TotalHours
    Kinds     = @($sessions | ForEach-Object { "$($_.ExpirationDate.Kind)" } | Sort-Object -Unique)
    SameInstants = @($sessions | Where-Object { $s = $_; $r = $raw | Where-Object Id -CEQ $s.Id; $s.ExpirationDate.ToUniversalTime() -eq $r.Expires.UtcDateTime }).Count
    Count     = $sessions.Count
    Cases     = $cases
} | ConvertTo-Json -Depth 5 -Compress
'@
    }

    It 'Where-Object ExpirationDate -lt (Get-Date).AddHours(N) is right in <Zone> (UTC<Offset>)' -TestCases @(
        @{ Zone = 'Pacific/Kiritimati'; Offset = '+14' }
        @{ Zone = 'America/Los_Angeles'; Offset = '-8/-7' }
    ) {
        $admin = $Emu.Users.admin
        $savedTz = $env:TZ
        Push-Location (Join-Path $PSScriptRoot '../..')   # dotnet pwsh needs the repository's tool manifest
        try {
            $env:TZ = $Zone
            $json = & dotnet pwsh -NoProfile -NonInteractive -File $ChildScript -ModulePath $ModulePath -BaseUrl $Base `
                -UserName $admin.UserName -Password $admin.Password
            $LASTEXITCODE | Should -Be 0 -Because ($json -join "`n")
        } finally {
            $env:TZ = $savedTz
            Pop-Location
        }
        $result = ($json | Select-Object -Last 1) | ConvertFrom-Json
        $result.TimeZone | Should -Be $Zone
        if ($Zone -eq 'Pacific/Kiritimati') { $result.OffsetHours | Should -Be 14 } else { $result.OffsetHours | Should -BeIn @(-8, -7) }
        $result.Count | Should -Be 3
        $result.Kinds | Should -Be 'Local'
        $result.SameInstants | Should -Be 3
        foreach ($case in $result.Cases) {
            @($case.Got) | Should -Be @($case.Expected) -Because "the cut-off is now + $($case.Hours) h"
        }
        # The cases do split the sessions (the seed expires about 70.8, 71.5 and 71.8 hours from now).
        ($result.Cases | Where-Object Hours -EQ 12).Expected.Count | Should -Be 0
        ($result.Cases | Where-Object Hours -EQ 71.2).Expected.Count | Should -Be 1
        ($result.Cases | Where-Object Hours -EQ 71.6).Expected.Count | Should -Be 2
        ($result.Cases | Where-Object Hours -EQ 73).Expected.Count | Should -Be 3
    }
}

Describe 'Unknown JSON fields' {
    It 'are kept as readable properties, and sizes past 4 GiB stay 64-bit' {
        Reset-TestEmulator
        $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
            owner = 10001400; path = '/u10001400/extra/new-fields.bin'; size = 5000000000
            extraFields = @{ checksum_type = 'sha256'; retention = @{ days = 3; policy = 'keep' }; priority = 7 }
        }
        Connect-Vault -Vault $Base -Credential $Emu.Users['admin'].Credential
        $all = @(Get-VaultUploadSession)
        $all.Count | Should -Be 4
        $s = $all | Where-Object Path -like '*new-fields.bin'
        $s | Should -BeOfType ([VaultStaging.UploadSession])
        $s.Size | Should -BeOfType ([long])
        $s.Size | Should -Be 5000000000
        $s.checksum_type | Should -Be 'sha256'
        $s.priority | Should -Be 7
        ($s.retention | ConvertFrom-Json).days | Should -Be 3      # nested values come as compact JSON text
        ($s | ConvertTo-Csv | Select-Object -First 1) | Should -Match '"checksum_type"'
    }
}
