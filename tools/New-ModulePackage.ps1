#Requires -Version 7.0
<#
.SYNOPSIS
    Packs the staged module (out/VaultStaging) into VaultStaging.<version>.nupkg with PSResourceGet.

.DESCRIPTION
    Registers OutputPath as a temporary, trusted local file repository of PSResourceGet (it ships with
    PowerShell 7.4+), publishes the module folder to it with Publish-PSResource, and unregisters the repository
    again, so the .nupkg ends up in OutputPath. Nothing is sent anywhere: no Gallery, no network.

    The module folder must be complete (manifest, dll, format file, en-US help): run build.ps1 Build and
    tools/New-ExternalHelp.ps1 first. Returns the .nupkg file (a FileInfo).

.PARAMETER ModulePath
    The staged module folder, e.g. out/VaultStaging (it must hold VaultStaging.psd1).

.PARAMETER OutputPath
    The folder for the .nupkg (created when missing). An older package of the same version there is replaced.

.EXAMPLE
    dotnet pwsh -NoProfile ./tools/New-ModulePackage.ps1 -ModulePath out/VaultStaging -OutputPath out/package
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$name = Split-Path $ModulePath -Leaf
$manifestPath = Join-Path $ModulePath "$name.psd1"
if (-not (Test-Path $manifestPath)) { throw "No module manifest at ${manifestPath}: give the staged module folder (out/$name) as -ModulePath." }
$manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop -WarningAction SilentlyContinue
$version = $manifest.Version.ToString()
$prerelease = $manifest.PrivateData.PSData['Prerelease']
if ($prerelease) { $version = "$version-$prerelease" }
if (-not (Test-Path (Join-Path $ModulePath "en-US/$name.dll-Help.xml"))) {
    Write-Warning "$ModulePath has no en-US/${name}.dll-Help.xml: the package will have no help. Run tools/New-ExternalHelp.ps1 first."
}

Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$null = New-Item -ItemType Directory -Path $OutputPath -Force
$package = Join-Path $OutputPath "$name.$version.nupkg"
if (Test-Path $package) { Remove-Item -LiteralPath $package -Force }

# A unique name: concurrent builds must not unregister each other's repository.
$repository = "$name-pack-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
try {
    # -SkipDependenciesCheck: the module has no dependencies, and the check would look in the other
    # registered repositories (the Gallery) for them.
    Publish-PSResource -Path $ModulePath -Repository $repository -SkipDependenciesCheck -ErrorAction Stop
} finally {
    Unregister-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue
}

if (-not (Test-Path $package)) {
    $found = (Get-ChildItem -LiteralPath $OutputPath -Filter '*.nupkg' | Select-Object -ExpandProperty Name) -join ', '
    throw "Publish-PSResource did not write $package (the folder holds: $found)."
}
Write-Host "Package: $package"
Get-Item -LiteralPath $package
