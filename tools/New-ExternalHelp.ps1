#Requires -Version 7.0
<#
.SYNOPSIS
    Builds the module's help from docs/help: en-US/VaultStaging.dll-Help.xml (MAML) and an
    en-US/about_*.help.txt for every docs/help/about_*.md (about_VaultStaging is required).

.DESCRIPTION
    PlatyPS is not available here, so this is a small generator of its own. It reads docs/help/<Cmdlet>.md
    (layout: tools/HelpMarkdown.psm1) and the real cmdlet metadata of the built module (Get-Command), and
    writes MAML whose syntax, parameter attributes (required, position, pipeline input, type, aliases) come
    from the metadata while every text comes from the markdown.

    It throws, writing nothing, when the markdown and the module disagree:
    - an exported cmdlet has no markdown file, no synopsis, no description or fewer than two examples;
    - a parameter (from Get-Command, common parameters excluded; WhatIf/Confirm included) has no description;
    - the markdown describes a parameter the cmdlet does not have;
    - a parameter's yaml block (Type, Parameter Sets, Aliases, Required, Position, Accept pipeline input)
      or the SYNTAX section contradicts the metadata (the error shows the expected text).

.PARAMETER SourcePath
    The folder of markdown files (docs/help).

.PARAMETER OutputPath
    Where to write; the files go to <OutputPath>/en-US/. Give the staged module folder (out/VaultStaging).

.PARAMETER ModulePath
    The built module to read the metadata from (a folder or its .psd1). By default OutputPath when it holds
    VaultStaging.psd1, else ./out/VaultStaging next to this script's repository.

.PARAMETER NewMarkdown
    Instead of building, writes a skeleton docs/help/<Cmdlet>.md (from the metadata) for every exported
    cmdlet that has none. Never overwrites a file.

.EXAMPLE
    dotnet pwsh -NoProfile ./tools/New-ExternalHelp.ps1 -SourcePath docs/help -OutputPath out/VaultStaging
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $ModulePath,
    [switch] $NewMarkdown
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force

$ModuleName = 'VaultStaging'
$RepoRoot = Split-Path $PSScriptRoot -Parent
$SourcePath = (Resolve-Path -LiteralPath $SourcePath).ProviderPath
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
if (-not $ModulePath) {
    $ModulePath = if (Test-Path (Join-Path $OutputPath "$ModuleName.psd1")) { $OutputPath } else { Join-Path $RepoRoot "out/$ModuleName" }
}
if (-not (Test-Path $ModulePath)) { throw "The built module is not at ${ModulePath}: run ./build.ps1 Build first, or give -ModulePath." }

# The metadata of the built module. Imported into this process: a binary module cannot be unloaded, but
# Get-Command needs it loaded, and this script runs in the build's short-lived process.
$module = Import-Module $ModulePath -PassThru -Force -ErrorAction Stop | Where-Object Name -eq $ModuleName | Select-Object -First 1
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if ($commands.Count -eq 0) { throw "The module at $ModulePath exports no cmdlet." }

function ConvertTo-YamlBlock($fact) {
    $keys = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
    $lines = foreach ($k in $keys) {
        $v = switch ($k) { 'Default value' { 'None' } 'Accept wildcard characters' { 'False' } default { $fact[$k] } }
        "${k}: $v".TrimEnd()
    }
    '```yaml', $lines, '```' | ForEach-Object { $_ }
}

if ($NewMarkdown) {
    foreach ($c in $commands) {
        $file = Join-Path $SourcePath "$($c.Name).md"
        if (Test-Path $file) { continue }
        $md = [Collections.Generic.List[string]]::new()
        $md.AddRange([string[]]@('---', "external help file: $ModuleName.dll-Help.xml", "Module Name: $ModuleName", 'schema: 2.0.0', '---', '', "# $($c.Name)", '', '## SYNOPSIS', '{{ one sentence }}', '', '## SYNTAX', ''))
        foreach ($s in Get-SyntaxLine $c) {
            $md.AddRange([string[]]@("### $($s.SetName)$(if ($s.IsDefault -and @($c.ParameterSets).Count -gt 1) { ' (Default)' })", '```', $s.Line, '```', ''))
        }
        $md.AddRange([string[]]@('## DESCRIPTION', '{{ description }}', '', '## EXAMPLES', '', '### Example 1: {{ title }}', '```powershell', '```', '', '{{ remarks }}', '', '## PARAMETERS', ''))
        foreach ($p in Get-DocumentedParameter $c) {
            $md.Add("### -$($p.Name)"); $md.Add('{{ description }}'); $md.Add('')
            $md.AddRange([string[]]@(ConvertTo-YamlBlock (Get-ParameterFact $p))); $md.Add('')
        }
        $md.AddRange([string[]]@('### CommonParameters', 'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](https://go.microsoft.com/fwlink/?LinkID=113216).', '', '## INPUTS', '', '## OUTPUTS', ''))
        foreach ($o in $c.OutputType) { $md.AddRange([string[]]@("### $($o.Name)", '{{ description }}', '')) }
        $md.AddRange([string[]]@('## NOTES', '', '## RELATED LINKS', '', '[about_VaultStaging](about_VaultStaging.md)'))
        Set-Content -LiteralPath $file -Value $md -Encoding utf8
        Write-Host "Wrote $file"
    }
    return
}

# ---- Read and check ---------------------------------------------------------------------------------------

$problems = [Collections.Generic.List[string]]::new()
$docs = @{}
foreach ($c in $commands) {
    $file = Join-Path $SourcePath "$($c.Name).md"
    if (-not (Test-Path $file)) { $problems.Add("$($c.Name): no help file $file (tools/New-ExternalHelp.ps1 -NewMarkdown writes a skeleton)."); continue }
    try { $doc = ConvertFrom-HelpMarkdown -Path $file } catch { $problems.Add("$($c.Name): $file does not parse: $($_.Exception.Message)"); continue }
    $docs[$c.Name] = $doc
    if ($doc.Name -ne $c.Name) { $problems.Add("$($c.Name): the heading of $file names '$($doc.Name)'.") }
    if (-not $doc.Synopsis -or $doc.Synopsis -match '\{\{') { $problems.Add("$($c.Name): no SYNOPSIS.") }
    if (@($doc.Description).Count -eq 0 -or ($doc.Description -join ' ') -match '\{\{') { $problems.Add("$($c.Name): no DESCRIPTION.") }
    if (@($doc.Examples | Where-Object Code).Count -lt 2) { $problems.Add("$($c.Name): fewer than two EXAMPLES with code.") }

    $documented = @(Get-DocumentedParameter $c)
    foreach ($p in $documented) {
        $md = $doc.Parameters[$p.Name]
        if (-not $md -or @($md.Description).Count -eq 0 -or ($md.Description -join ' ') -match '\{\{') {
            $problems.Add("$($c.Name): parameter -$($p.Name) has no description in $file.")
            continue
        }
        $fact = Get-ParameterFact $p
        foreach ($key in 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Accept pipeline input') {
            $written = if ($md.Yaml.Contains($key)) { $md.Yaml[$key] } else { $null }
            if ($null -eq $written) { $problems.Add("$($c.Name) -$($p.Name): the yaml block has no '${key}:' (expected '$($fact[$key])')."); continue }
            $norm = { param($s) (($s -split ',' | ForEach-Object { $_.Trim() } | Sort-Object) -join ', ') }
            if ((& $norm $written) -ne (& $norm $fact[$key])) {
                $problems.Add("$($c.Name) -$($p.Name): the help says '${key}: $written', the cmdlet says '$($fact[$key])'.")
            }
        }
    }
    foreach ($name in $doc.Parameters.Keys) {
        if (-not ($documented | Where-Object Name -eq $name)) { $problems.Add("$($c.Name): the help describes -$name, which the cmdlet does not have.") }
    }
    $expected = @(Get-SyntaxLine $c)
    foreach ($s in $expected) {
        $found = @($doc.Syntax.Values) -contains $s.Line
        if (-not $found) { $problems.Add("$($c.Name): the SYNTAX section lacks (set $($s.SetName)):`n    $($s.Line)") }
    }
    if ($doc.Syntax.Count -ne $expected.Count) { $problems.Add("$($c.Name): the SYNTAX section has $($doc.Syntax.Count) parameter sets, the cmdlet $($expected.Count).") }
}
$aboutFile = Join-Path $SourcePath "about_$ModuleName.md"
if (-not (Test-Path $aboutFile)) { $problems.Add("No about topic: $aboutFile.") }
if ($problems.Count) {
    throw ("The help in $SourcePath does not match the module at ${ModulePath}:`n- " + ($problems -join "`n- "))
}

# ---- MAML -------------------------------------------------------------------------------------------------

$nsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$nsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$nsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$culture = Join-Path $OutputPath 'en-US'
$null = New-Item -ItemType Directory -Path $culture -Force
$xmlPath = Join-Path $culture "$ModuleName.dll-Help.xml"
$stream = [IO.MemoryStream]::new()
$w = [Xml.XmlWriter]::Create($stream, $settings)

function Write-Paras([string[]] $Paras) {
    $w.WriteStartElement('maml', 'description', $nsMaml)
    if (@($Paras).Count -eq 0) { $w.WriteElementString('para', $nsMaml, '') }
    foreach ($p in $Paras) { $w.WriteElementString('para', $nsMaml, $p) }
    $w.WriteEndElement()
}

function Write-Parameter($Command, $Doc, [string] $Name, $SetParameter) {
    $meta = $Command.Parameters[$Name]
    $fact = Get-ParameterFact $meta
    $mdParam = $Doc.Parameters[$Name]
    $isSwitch = $meta.ParameterType -eq [Management.Automation.SwitchParameter]
    $required = if ($SetParameter) { $SetParameter.IsMandatory } else { $fact._Required }
    $position = if ($SetParameter) { if ($SetParameter.Position -ge 0) { "$($SetParameter.Position)" } else { 'named' } } else { $fact._Position }
    $globbing = $mdParam.Yaml.Contains('Accept wildcard characters') -and $mdParam.Yaml['Accept wildcard characters'] -match '^true'
    $default = if ($mdParam.Yaml.Contains('Default value') -and $mdParam.Yaml['Default value']) { $mdParam.Yaml['Default value'] } else { 'None' }
    $w.WriteStartElement('command', 'parameter', $nsCommand)
    $w.WriteAttributeString('required', "$required".ToLowerInvariant())
    $w.WriteAttributeString('variableLength', "$($meta.ParameterType.IsArray)".ToLowerInvariant())
    $w.WriteAttributeString('globbing', "$globbing".ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $fact._Pipeline)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($fact.Aliases) { $fact.Aliases } else { 'none' }))
    $w.WriteElementString('name', $nsMaml, $Name)
    Write-Paras $mdParam.Description
    if (-not ($isSwitch -and $SetParameter)) {
        $w.WriteStartElement('command', 'parameterValue', $nsCommand)
        $w.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $w.WriteAttributeString('variableLength', "$($meta.ParameterType.IsArray)".ToLowerInvariant())
        $w.WriteString($meta.ParameterType.Name)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $nsDev)
    $w.WriteElementString('name', $nsMaml, $meta.ParameterType.Name)
    $w.WriteElementString('uri', $nsMaml, '')
    $w.WriteEndElement()
    $w.WriteElementString('defaultValue', $nsDev, $default)
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($c in $commands) {
    $doc = $docs[$c.Name]
    $w.WriteStartElement('command', 'command', $nsCommand)
    $w.WriteAttributeString('xmlns', 'maml', $null, $nsMaml)
    $w.WriteAttributeString('xmlns', 'command', $null, $nsCommand)
    $w.WriteAttributeString('xmlns', 'dev', $null, $nsDev)

    $w.WriteStartElement('command', 'details', $nsCommand)
    $w.WriteElementString('name', $nsCommand, $c.Name)
    $w.WriteElementString('verb', $nsCommand, $c.Verb)
    $w.WriteElementString('noun', $nsCommand, $c.Noun)
    Write-Paras @($doc.Synopsis)
    $w.WriteEndElement()

    Write-Paras $doc.Description

    $w.WriteStartElement('command', 'syntax', $nsCommand)
    foreach ($s in Get-SyntaxLine $c) {
        $w.WriteStartElement('command', 'syntaxItem', $nsCommand)
        $w.WriteElementString('name', $nsMaml, $c.Name)
        foreach ($p in $s.Parameters) { Write-Parameter $c $doc $p.Name $p }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $nsCommand)
    foreach ($p in Get-DocumentedParameter $c) { Write-Parameter $c $doc $p.Name $null }
    $w.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $doc.Inputs), @('returnValues', 'returnValue', $doc.Outputs))) {
        $w.WriteStartElement('command', $kind[0], $nsCommand)
        foreach ($t in $kind[2]) {
            $w.WriteStartElement('command', $kind[1], $nsCommand)
            $w.WriteStartElement('dev', 'type', $nsDev)
            $w.WriteElementString('name', $nsMaml, $t.TypeName)
            $w.WriteEndElement()
            Write-Paras $t.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $nsMaml)
    $w.WriteStartElement('maml', 'alert', $nsMaml)
    foreach ($p in $doc.Notes) { $w.WriteElementString('para', $nsMaml, $p) }
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $nsCommand)
    foreach ($e in $doc.Examples) {
        $w.WriteStartElement('command', 'example', $nsCommand)
        $w.WriteElementString('title', $nsMaml, "---------- $($e.Title) ----------")
        $w.WriteElementString('code', $nsDev, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $nsDev)
        foreach ($p in @($e.Remarks) + '') { $w.WriteElementString('para', $nsMaml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $nsCommand)
    foreach ($l in $doc.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $nsMaml)
        $w.WriteElementString('linkText', $nsMaml, $l.Text)
        $w.WriteElementString('uri', $nsMaml, $(if ($l.Uri -match '^https?://') { $l.Uri } else { '' }))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()  # command:command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Flush()
$w.Dispose()
[IO.File]::WriteAllBytes($xmlPath, $stream.ToArray())
$null = [xml](Get-Content -Raw -LiteralPath $xmlPath)   # well-formed, or throw

# ---- about topic: markdown to the plain text layout of about_*.help.txt -----------------------------------

function Format-Wrapped([string] $Text, [int] $Indent, [int] $Width = 80) {
    $pad = ' ' * $Indent
    $line = ''
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if ($line -and ($pad.Length + $line.Length + 1 + $word.Length) -gt $Width) { $pad + $line; $line = $word }
        elseif ($line) { $line += ' ' + $word }
        else { $line = $word }
    }
    if ($line) { $pad + $line }
}

$aboutPaths = foreach ($aboutFile in Get-ChildItem -LiteralPath $SourcePath -Filter 'about_*.md' | Sort-Object Name) {
    $aboutLines = (Get-Content -LiteralPath $aboutFile.FullName -Encoding utf8) -replace '\r$', ''
    $out = [Collections.Generic.List[string]]::new()
    $inFence = $false
    $para = [Collections.Generic.List[string]]::new()
    $flush = {
        if ($para.Count) {
            $joined = ($para | ForEach-Object { $_.Trim() }) -join ' '
            if ($joined -match '^([-*]|\d+\.)\s') {
                # a list: one item per bullet, continuation lines hang under the text
                $items = [regex]::Split($joined, '\s(?=(?:[-*]|\d+\.)\s)')
                foreach ($item in $items) {
                    $wrapped = @(Format-Wrapped (ConvertTo-PlainText $item) 6)
                    $out.Add('    ' + $wrapped[0].TrimStart())
                    if ($wrapped.Count -gt 1) { $out.AddRange([string[]]$wrapped[1..($wrapped.Count - 1)]) }
                }
            } else {
                $out.AddRange([string[]]@(Format-Wrapped (ConvertTo-PlainText $joined) 4))
            }
            $out.Add('')
            $para.Clear()
        }
}
    foreach ($l in $aboutLines) {
        if ($l -match '^\s*```') {
            & $flush
            $inFence = -not $inFence
            if (-not $inFence) { $out.Add('') }
            continue
        }
        if ($inFence) { $out.Add(('        ' + $l).TrimEnd()); continue }
        if ($l -match '^# (.+)$') { & $flush; $out.Add('TOPIC'); $out.Add("    $($Matches[1].Trim())"); $out.Add(''); continue }
        if ($l -match '^## (.+)$') { & $flush; $out.Add($Matches[1].Trim().ToUpperInvariant()); continue }
        if ($l -match '^###+ (.+)$') { & $flush; if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') }; $out.Add("  $($Matches[1].Trim())"); continue }
        if ($l -match '^\s*<!--.*-->\s*$') { continue }
        if ($l.Trim() -eq '') { & $flush; continue }
        $para.Add($l)
    }
    & $flush
    while ($out.Count -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    $aboutPath = Join-Path $culture ($aboutFile.BaseName + '.help.txt')
    [IO.File]::WriteAllText($aboutPath, ($out -join [Environment]::NewLine) + [Environment]::NewLine, [Text.UTF8Encoding]::new($false))
    $aboutPath
}

Write-Host "Help: $xmlPath ($($commands.Count) cmdlets), $($aboutPaths -join ', ')"
