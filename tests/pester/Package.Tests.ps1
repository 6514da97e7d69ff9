# Packaging: tools/New-ModulePackage.ps1 makes VaultStaging.<version>.nupkg from the staged module; a temporary
# local folder registered as a PSResourceGet repository serves it; Save-PSResource installs it into a temporary
# module folder; a fresh pwsh imports it by name and uses it against the emulator. No Gallery, no network.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $script:RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $script:ModulePath = Get-TestModulePath
    $script:Manifest = Import-PowerShellDataFile (Join-Path $script:ModulePath 'VaultStaging.psd1')
    $script:Version = $script:Manifest.ModuleVersion
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) "vaultstaging-package-$([guid]::NewGuid().ToString('N'))"
    $script:Feed = Join-Path $script:Temp 'feed'
    $script:Installed = Join-Path $script:Temp 'modules'
    $null = New-Item -ItemType Directory -Path $script:Feed, $script:Installed -Force
    $script:PwshDll = Join-Path $PSHOME 'pwsh.dll'

    $script:Package = & (Join-Path $script:RepoRoot 'tools/New-ModulePackage.ps1') -ModulePath $script:ModulePath -OutputPath $script:Feed 6>$null |
        Select-Object -Last 1
    $script:RepositoryName = "VaultStagingTest-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    Register-PSResourceRepository -Name $script:RepositoryName -Uri $script:Feed -Trusted
}

AfterAll {
    Unregister-PSResourceRepository -Name $script:RepositoryName -ErrorAction SilentlyContinue
    if ($script:Emu) { Stop-TestEmulator $script:Emu }
    Remove-Item $script:Temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'tools/New-ModulePackage.ps1' {
    It 'writes VaultStaging.(version).nupkg' {
        $script:Package | Should -Not -BeNullOrEmpty
        $script:Package.Name | Should -Be "VaultStaging.$($script:Version).nupkg"
        $script:Package.FullName | Should -Exist
    }

    It 'packs the module files, the help and nothing that must not ship' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($script:Package.FullName)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($f in 'VaultStaging.psd1', 'VaultStaging.dll', 'Newtonsoft.Json.dll', 'VaultStaging.Format.ps1xml', 'VaultStaging.Requirements.ps1',
            'en-US/VaultStaging.dll-Help.xml', 'en-US/about_VaultStaging.help.txt', 'VaultStaging.nuspec') {
            $entries | Should -Contain $f
        }
        $entries | Should -Not -Contain 'System.Management.Automation.dll'
    }

    It 'is found in the local repository with the manifest''s metadata' {
        $found = Find-PSResource -Name VaultStaging -Repository $script:RepositoryName
        $found.Version.ToString() | Should -Be $script:Version
        $found.Tags | Should -Contain 'Veeva'
        "$($found.ProjectUri)" | Should -Be $script:Manifest.PrivateData.PSData.ProjectUri
        $found.ReleaseNotes | Should -Not -BeNullOrEmpty
    }
}

Describe 'The manifest' {
    It 'declares both editions, PowerShell 5.1, project and license URIs' {
        $script:Manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        $script:Manifest.PowerShellVersion | Should -Be '5.1'
        foreach ($key in 'ProjectUri', 'LicenseUri') {
            [uri]::IsWellFormedUriString($script:Manifest.PrivateData.PSData[$key], 'Absolute') | Should -BeTrue -Because $key
        }
        $script:Manifest.CmdletsToExport | Should -Not -Contain '*'
    }

    It 'has the release notes of its version from CHANGELOG.md' {
        $changelog = Get-Content -Raw (Join-Path $script:RepoRoot 'CHANGELOG.md')
        $pattern = '(?ms)^## \[' + [regex]::Escape($script:Version) + '\][^\n]*\n(.*?)(?=^## \[|\z)'
        $changelog | Should -Match $pattern -Because "CHANGELOG.md has a section for $($script:Version)"
        $section = ([regex]::Match($changelog, $pattern).Groups[1].Value -replace '\r', '').Trim()
        ($script:Manifest.PrivateData.PSData.ReleaseNotes -replace '\r', '').Trim() | Should -Be $section
    }
}

Describe 'Signing' {
    It 'lists in build.ps1 ($FilesToSign) exactly the staged files the execution policy checks, and our own assembly' {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $script:RepoRoot 'build.ps1'), [ref]$null, [ref]$null)
        $assignment = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] -and "$($n.Left)" -eq '$FilesToSign' }, $true)
        $assignment | Should -Not -BeNullOrEmpty -Because 'build.ps1 names the files a signed build signs'
        $listed = @($assignment.Right.Expression.SafeGetValue())
        $staged = @(Get-ChildItem -LiteralPath $script:ModulePath -Recurse -File -Include '*.psd1', '*.psm1', '*.ps1', '*.ps1xml', '*.dll' |
            Where-Object Name -NE 'Newtonsoft.Json.dll' | ForEach-Object Name)
        $listed | Sort-Object | Should -Be ($staged | Sort-Object)
        $listed | Should -Contain 'VaultStaging.Format.ps1xml'
        $listed | Should -Contain 'VaultStaging.Requirements.ps1'
    }

    It 'the manifest runs VaultStaging.Requirements.ps1 before the assembly loads' {
        $script:Manifest.ScriptsToProcess | Should -Be @('VaultStaging.Requirements.ps1')
        $script:Manifest.RootModule | Should -Be 'VaultStaging.dll'
    }
}

Describe 'Installed from a local PSResourceGet repository' {
    BeforeAll {
        Save-PSResource -Name VaultStaging -Repository $script:RepositoryName -Path $script:Installed -TrustRepository -ErrorAction Stop
        $script:Emu = Start-TestEmulator
    }

    It 'lands in VaultStaging/(version) under the target folder' {
        Join-Path $script:Installed "VaultStaging/$($script:Version)/VaultStaging.psd1" | Should -Exist
        Join-Path $script:Installed "VaultStaging/$($script:Version)/en-US/VaultStaging.dll-Help.xml" | Should -Exist
    }

    It 'imports by name in a fresh pwsh and connects to the emulator' {
        $probe = Join-Path $script:Temp 'probe.ps1'
        Set-Content -Path $probe -Value @'
param($BaseUrl, $UserName, $Password)
$ErrorActionPreference = 'Stop'
Import-Module VaultStaging
$module = Get-Module VaultStaging
Connect-Vault -Vault $BaseUrl -Credential ([pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force)))
$sessions = @(Get-VaultUploadSession)
Disconnect-Vault
[pscustomobject]@{
    ModuleBase = $module.ModuleBase
    Version    = "$($module.Version)"
    Cmdlets    = @(Get-Command -Module VaultStaging | ForEach-Object Name)
    Sessions   = $sessions.Count
    Synopsis   = (Get-Help Connect-Vault).Synopsis
} | ConvertTo-Json -Compress
'@
        $saved = $env:PSModulePath
        try {
            # Only the temporary folder and PowerShell's own modules: no other copy of VaultStaging can be found.
            $env:PSModulePath = $script:Installed + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            $admin = $script:Emu.Users.admin
            $output = & dotnet $script:PwshDll -NoProfile -NonInteractive -File $probe $script:Emu.BaseUrl $admin.UserName $admin.Password 2>&1
        } finally {
            $env:PSModulePath = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $r = ($output | Select-Object -Last 1) | ConvertFrom-Json
        $r.ModuleBase | Should -BeLike "$($script:Installed)*"
        $r.Version | Should -Be $script:Version
        $r.Cmdlets | Sort-Object | Should -Be ($script:Manifest.CmdletsToExport | Sort-Object)
        $r.Sessions | Should -Be 3
        $r.Synopsis | Should -BeLike 'Connects to a Veeva Vault*'
    }
}
