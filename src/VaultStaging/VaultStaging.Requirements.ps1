# Run by Import-Module before VaultStaging.dll loads (ScriptsToProcess in VaultStaging.psd1). Windows PowerShell
# 5.1 ignores the manifest's DotNetFrameworkVersion for 4.5 and later, so on .NET Framework 4.6.2 or 4.7.0 the
# assembly (netstandard2.0) would fail to load with a missing 'netstandard' assembly: check the installed
# release first and say what is needed. PowerShell 7 (Core) runs on .NET, which always has what is needed.
# The parameters are for tests: -Edition Desktop -FrameworkRelease 460798 acts as a Windows PowerShell 5.1 on
# .NET Framework 4.7 would. A throw here ends Import-Module with this message; nothing of the module loads.
param(
    [string] $Edition = $PSVersionTable.PSEdition,
    [Nullable[int]] $FrameworkRelease
)
# Run in a child scope: Import-Module runs this file in the caller's scope, which must not get its variables.
& {
    param($Edition, $FrameworkRelease)
    if ($Edition -ne 'Desktop') { return }
    # .NET Framework 4.7.2 is release 461808 (461814 on Windows other than Windows 10 April 2018 Update).
    $needed = 461808
    if ($null -eq $FrameworkRelease) {
        $key = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name Release -ErrorAction SilentlyContinue
        if ($key) { $FrameworkRelease = [int]$key.Release }
    }
    if ($null -ne $FrameworkRelease -and $FrameworkRelease -ge $needed) { return }
    $names = @(@(533320, '4.8.1'), @(528040, '4.8'), @(461808, '4.7.2'), @(461308, '4.7.1'), @(460798, '4.7'), @(394802, '4.6.2'),
        @(394254, '4.6.1'), @(393295, '4.6'), @(379893, '4.5.2'), @(378675, '4.5.1'), @(378389, '4.5'))
    $found = if ($null -eq $FrameworkRelease) {
        'no .NET Framework 4.5 or later was found'
    } else {
        $name = @($names | Where-Object { $FrameworkRelease -ge $_[0] } | ForEach-Object { $_[1] }) | Select-Object -First 1
        "this computer has .NET Framework $(if ($name) { $name } else { 'older than 4.5' }) (release $FrameworkRelease)"
    }
    throw "VaultStaging needs .NET Framework 4.7.2 or later in Windows PowerShell 5.1; $found. Install .NET Framework 4.8 " +
        '(https://dotnet.microsoft.com/download/dotnet-framework) and open a new Windows PowerShell, or use PowerShell 7 (pwsh), which needs no .NET Framework.'
} $Edition $FrameworkRelease
