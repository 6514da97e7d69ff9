# Reads the PlatyPS-like markdown in docs/help and describes cmdlet metadata the same way, for
# tools/New-ExternalHelp.ps1 (MAML) and tests/pester/Help.Tests.ps1 (runnable examples).
#
# Layout of docs/help/<Cmdlet-Name>.md (PlatyPS v1 style, simplified):
#   # Name / ## SYNOPSIS / ## SYNTAX (### <set> with a code block) / ## DESCRIPTION /
#   ## EXAMPLES (### Example N: title, optional <!-- runnable ... --> marker, a ```powershell block, remarks) /
#   ## PARAMETERS (### -Name, description, a ```yaml block) / ## INPUTS / ## OUTPUTS (### TypeName, text) /
#   ## NOTES / ## RELATED LINKS ([text](uri) lines)

Set-StrictMode -Version 3.0

function Split-MarkdownSection {
    # Splits lines into sections at headings of the given level: ordered name -> lines. Code fences are respected.
    param([string[]] $Lines, [int] $Level)
    $sections = [ordered]@{}
    $prefix = ('#' * $Level) + ' '
    $name = $null
    $current = [Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            if ($null -ne $name) { $sections[$name] = $current.ToArray() }
            $name = $line.Substring($prefix.Length).Trim()
            $current = [Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -ne $name) { $current.Add($line) }
    }
    if ($null -ne $name) { $sections[$name] = $current.ToArray() }
    $sections
}

function Get-MarkdownBlock {
    # Splits lines into blocks: @{ Kind = 'text'|'code'|'comment'; Lang; Lines }. Text blocks end at blank lines.
    param([string[]] $Lines)
    $blocks = [Collections.Generic.List[object]]::new()
    $text = [Collections.Generic.List[string]]::new()
    $code = $null
    $lang = $null
    $flush = {
        if ($text.Count -gt 0) { $blocks.Add([pscustomobject]@{ Kind = 'text'; Lang = $null; Lines = $text.ToArray() }); $text.Clear() }
    }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'code'; Lang = $lang; Lines = $code.ToArray() })
                $code = $null
            } else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*```\s*([\w-]*)') {
            & $flush
            $lang = $Matches[1]
            $code = [Collections.Generic.List[string]]::new()
            continue
        }
        if ($line -match '^\s*<!--(.*)-->\s*$') {
            & $flush
            $blocks.Add([pscustomobject]@{ Kind = 'comment'; Lang = $null; Lines = @($Matches[1].Trim()) })
            continue
        }
        if ($line.Trim() -eq '') { & $flush; continue }
        $text.Add($line)
    }
    if ($null -ne $code) { throw "A code block (``````$lang) is not closed." }
    & $flush
    $blocks.ToArray()
}

function ConvertTo-PlainText {
    # Markdown inline syntax to plain text: links to their text, no backticks, bold or italics markers.
    param([string] $Text)
    $t = $Text -replace '\[([^\]]+)\]\(([^)]*)\)', '$1'
    $t = $t -replace '`([^`]*)`', '$1'
    $t = $t -replace '\*\*([^*]+)\*\*', '$1'
    $t = $t -replace '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1'
    $t
}

function ConvertTo-Paragraph {
    # Lines of markdown to paragraphs of plain text: a text block is one paragraph (a list: one per item),
    # a code block one paragraph with its line breaks, comments dropped.
    param([string[]] $Lines)
    $paras = [Collections.Generic.List[string]]::new()
    foreach ($block in (Get-MarkdownBlock $Lines)) {
        switch ($block.Kind) {
            'code' { $paras.Add(($block.Lines -join "`n")) }
            'text' {
                if ($block.Lines[0] -match '^\s*([-*]|\d+\.)\s') {
                    $item = $null
                    foreach ($l in $block.Lines) {
                        if ($l -match '^\s*([-*]|\d+\.)\s+(.*)$') {
                            if ($null -ne $item) { $paras.Add((ConvertTo-PlainText $item)) }
                            $bullet = if ($Matches[1] -match '\d') { $Matches[1] } else { '-' }
                            $item = "$bullet $($Matches[2])"
                        } else { $item += ' ' + $l.Trim() }
                    }
                    if ($null -ne $item) { $paras.Add((ConvertTo-PlainText $item)) }
                } else {
                    $paras.Add((ConvertTo-PlainText (($block.Lines | ForEach-Object { $_.Trim() }) -join ' ')))
                }
            }
        }
    }
    , $paras.ToArray()
}

function ConvertFrom-HelpMarkdown {
    <#
    .SYNOPSIS
        Parses one docs/help/<Cmdlet>.md into an object: Name, Synopsis, Description (paragraphs), Syntax
        (set -> lines), Examples (Title, Code, Remarks, Runnable, Marker), Parameters (ordered name -> Description,
        Yaml), Inputs/Outputs (TypeName, Description), Notes, Links (Text, Uri), Path.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = (Get-Content -LiteralPath $Path -Encoding utf8) -replace '\r$', ''
    # Front matter
    if ($lines.Count -gt 0 -and $lines[0] -eq '---') {
        $end = [Array]::IndexOf($lines, '---', 1)
        if ($end -gt 0) { $lines = $lines[($end + 1)..($lines.Count - 1)] }
    }
    $h1 = $lines | Where-Object { $_ -match '^# ' } | Select-Object -First 1
    if (-not $h1) { throw "$Path has no '# <Cmdlet-Name>' heading." }
    $sections = Split-MarkdownSection $lines 2

    $text = { param($name) if ($sections.Contains($name)) { ConvertTo-Paragraph $sections[$name] } else { @() } }

    $syntax = [ordered]@{}
    if ($sections.Contains('SYNTAX')) {
        $sets = Split-MarkdownSection $sections['SYNTAX'] 3
        foreach ($set in $sets.Keys) {
            $code = @(Get-MarkdownBlock $sets[$set] | Where-Object Kind -eq 'code')
            $syntax[($set -replace '\s*\(Default\)\s*$', '')] = (@($code | ForEach-Object { $_.Lines }) -join ' ').Trim()
        }
    }

    $examples = [Collections.Generic.List[object]]::new()
    if ($sections.Contains('EXAMPLES')) {
        $ex = Split-MarkdownSection $sections['EXAMPLES'] 3
        foreach ($title in $ex.Keys) {
            $blocks = @(Get-MarkdownBlock $ex[$title])
            $codeBlock = $blocks | Where-Object Kind -eq 'code' | Select-Object -First 1
            $marker = $blocks | Where-Object { $_.Kind -eq 'comment' -and $_.Lines[0] -match '^runnable\b' } | Select-Object -First 1
            $remarkLines = [Collections.Generic.List[string]]::new()
            $state = 'before'
            foreach ($l in $ex[$title]) {
                # everything after the first code block is remarks (other code blocks, e.g. output, included)
                switch ($state) {
                    'before' { if ($l -match '^\s*```') { $state = 'code' } }
                    'code' { if ($l -match '^\s*```\s*$') { $state = 'after' } }
                    'after' { $remarkLines.Add($l) }
                }
            }
            $examples.Add([pscustomobject]@{
                Title    = $title
                Code     = if ($codeBlock) { $codeBlock.Lines -join "`n" } else { '' }
                Remarks  = ConvertTo-Paragraph $remarkLines.ToArray()
                Runnable = [bool]$marker
                Marker   = if ($marker) { ($marker.Lines[0] -replace '^runnable:?\s*', '') } else { $null }
            })
        }
    }

    $parameters = [ordered]@{}
    if ($sections.Contains('PARAMETERS')) {
        $ps = Split-MarkdownSection $sections['PARAMETERS'] 3
        foreach ($name in $ps.Keys) {
            if ($name -eq 'CommonParameters') { continue }
            $blocks = @(Get-MarkdownBlock $ps[$name])
            $yaml = [ordered]@{}
            foreach ($b in ($blocks | Where-Object { $_.Kind -eq 'code' -and $_.Lang -eq 'yaml' })) {
                foreach ($l in $b.Lines) { if ($l -match '^\s*([^:]+):\s*(.*)$') { $yaml[$Matches[1].Trim()] = $Matches[2].Trim() } }
            }
            $descLines = [Collections.Generic.List[string]]::new()
            $inYaml = $false
            foreach ($l in $ps[$name]) {
                if ($l -match '^\s*```yaml') { $inYaml = $true; continue }
                if ($inYaml) { if ($l -match '^\s*```\s*$') { $inYaml = $false }; continue }
                $descLines.Add($l)
            }
            $parameters[$name.TrimStart('-')] = [pscustomobject]@{
                Name        = $name.TrimStart('-')
                Description = ConvertTo-Paragraph $descLines.ToArray()
                Yaml        = $yaml
            }
        }
    }

    $typed = {
        param($section)
        $list = [Collections.Generic.List[object]]::new()
        if ($sections.Contains($section)) {
            $items = Split-MarkdownSection $sections[$section] 3
            foreach ($t in $items.Keys) {
                $list.Add([pscustomobject]@{ TypeName = $t; Description = ConvertTo-Paragraph $items[$t] })
            }
        }
        , $list.ToArray()
    }

    $links = [Collections.Generic.List[object]]::new()
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($l in $sections['RELATED LINKS']) {
            if ($l -match '\[([^\]]+)\]\(([^)]*)\)') { $links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] }) }
        }
    }

    [pscustomobject]@{
        Path        = $Path
        Name        = $h1.Substring(2).Trim()
        Synopsis    = (& $text 'SYNOPSIS') -join ' '
        Description = & $text 'DESCRIPTION'
        Syntax      = $syntax
        Examples    = $examples.ToArray()
        Parameters  = $parameters
        Inputs      = & $typed 'INPUTS'
        Outputs     = & $typed 'OUTPUTS'
        Notes       = & $text 'NOTES'
        Links       = $links.ToArray()
    }
}

# ---- Cmdlet metadata, described the way the markdown describes it ---------------------------------------

$script:Common = [Management.Automation.PSCmdlet]::CommonParameters

function Get-DocumentedParameter {
    # The parameters help must describe: all but the common ones (WhatIf and Confirm included, as PlatyPS does).
    param([Parameter(Mandatory)] [Management.Automation.CommandInfo] $Command)
    $Command.Parameters.Values | Where-Object { $script:Common -notcontains $_.Name }
}

function Test-DontShow([Management.Automation.ParameterMetadata] $Parameter) {
    [bool]($Parameter.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and $_.DontShow })
}

function Get-ParameterFact {
    <# Type, Parameter Sets, Aliases, Required, Position, Accept pipeline input of a parameter, as the markdown yaml writes them. #>
    param([Parameter(Mandatory)] [Management.Automation.ParameterMetadata] $Parameter)
    $sets = @($Parameter.ParameterSets.GetEnumerator() | Sort-Object Key)
    $required = @($sets | ForEach-Object { $_.Value.IsMandatory } | Select-Object -Unique)
    $positions = @($sets | ForEach-Object { $_.Value.Position } | Select-Object -Unique)
    $byValue = [bool]($sets | Where-Object { $_.Value.ValueFromPipeline })
    $byName = [bool]($sets | Where-Object { $_.Value.ValueFromPipelineByPropertyName })
    $pipeline = if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
    $requiredText = if ($required.Count -eq 1) { "$($required[0])" } else {
        ($sets | ForEach-Object { '{0} ({1})' -f $_.Value.IsMandatory, $_.Key }) -join ', ' }
    $position = if ($positions.Count -eq 1) { if ($positions[0] -lt 0) { 'Named' } else { "$($positions[0])" } } else {
        ($sets | ForEach-Object { '{0} ({1})' -f ($(if ($_.Value.Position -lt 0) { 'Named' } else { $_.Value.Position })), $_.Key }) -join ', ' }
    [ordered]@{
        'Type'                  = $Parameter.ParameterType.Name
        'Parameter Sets'        = if ($sets.Key -contains '__AllParameterSets') { '(All)' } else { ($sets.Key | Sort-Object) -join ', ' }
        'Aliases'               = if ($Parameter.Aliases.Count) { ($Parameter.Aliases | Sort-Object) -join ', ' } else { '' }
        'Required'              = $requiredText
        'Position'              = $position
        'Accept pipeline input' = $pipeline
        # the MAML attributes
        '_Required'             = [bool]($required -contains $true)
        '_Position'             = if ($positions.Count -eq 1 -and $positions[0] -ge 0) { "$($positions[0])" } else { 'named' }
        '_Pipeline'             = $pipeline
    }
}

function Get-SyntaxLine {
    <# One syntax line per parameter set (default set first), in the form of Get-Command -Syntax, without DontShow parameters. #>
    param([Parameter(Mandatory)] [Management.Automation.CommandInfo] $Command)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $params = @($set.Parameters | Where-Object { $script:Common -notcontains $_.Name })
        $params = @($params | Where-Object {
            -not (Test-DontShow $Command.Parameters[$_.Name])
        })
        $positional = @($params | Where-Object { $_.Position -ge 0 } | Sort-Object Position)
        $named = @($params | Where-Object { $_.Position -lt 0 })
        $ordered = @($positional) + @($named | Where-Object IsMandatory) + @($named | Where-Object { -not $_.IsMandatory })
        $parts = foreach ($p in $ordered) {
            $isSwitch = $p.ParameterType -eq [Management.Automation.SwitchParameter]
            $nameText = if ($p.Position -ge 0) { "[-$($p.Name)]" } else { "-$($p.Name)" }
            $text = if ($isSwitch) { "-$($p.Name)" } else { "$nameText <$($p.ParameterType.Name)>" }
            if ($p.IsMandatory) { $text } else { "[$text]" }
        }
        [pscustomobject]@{
            SetName   = $set.Name
            IsDefault = $set.IsDefault
            Line      = (@($Command.Name) + @($parts) + '[<CommonParameters>]') -join ' '
            Parameters = $ordered
        }
    }
}

Export-ModuleMember -Function ConvertFrom-HelpMarkdown, ConvertTo-Paragraph, ConvertTo-PlainText, Get-MarkdownBlock,
    Split-MarkdownSection, Get-DocumentedParameter, Get-ParameterFact, Get-SyntaxLine, Test-DontShow
