#Requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester suite in this (fresh) process and writes {passed, failed, skipped} to a JSON file.
    build.ps1 Test starts it as `dotnet pwsh -NoProfile -File tests/pester/Run-PesterSuite.ps1 ...`.
    By hand: dotnet pwsh ./tests/pester/Run-PesterSuite.ps1 -PesterManifest <path to Pester.psd1>
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [string] $TestPath = $PSScriptRoot,
    [string] $SummaryPath,
    [string] $ResultPath,
    # Run only tests whose full name matches (Pester's -FullName filter), e.g. '*time zone*'.
    [string[]] $FullNameFilter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}

$result = Invoke-Pester -Configuration $config

# A failure outside a test (BeforeAll, discovery, a file that does not parse) counts as a failure too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$summary = [ordered]@{
    passed  = $result.PassedCount
    failed  = $failed
    skipped = $result.SkippedCount
    # What failed, by name, so the summary at the very end of a long CI log still says it.
    failures = @(
        @($result.Failed) | ForEach-Object { $_.ExpandedPath }
        @($result.FailedBlocks) | ForEach-Object { "$($_.ExpandedPath) (its setup)" }
        @($result.FailedContainers) | ForEach-Object { "$($_.Item) (the file)" }
    )
}
if ($SummaryPath) { $summary | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8 }
Write-Host ('Pester: {0} passed, {1} failed, {2} skipped' -f $summary.passed, $summary.failed, $summary.skipped)
exit ([int]($failed -gt 0))
