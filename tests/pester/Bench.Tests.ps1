#Requires -Version 7.0
# Keeps the benchmark (build.ps1 Bench) working: its smoke run, tiny sizes, must run every row to the end in
# both columns (the network profile and loopback). Missed targets do not fail it; the figures of a smoke run
# mean nothing.

Describe 'The benchmark' {
    It 'runs every row of its smoke run in both columns and prints the table' {
        $script = Join-Path $PSScriptRoot '../bench/Invoke-Benchmark.ps1'
        $table = Join-Path ([IO.Path]::GetTempPath()) ("bench-smoke-" + [guid]::NewGuid().ToString('N') + '.md')
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $script -Smoke -OutFile $table 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Select-Object -Last 15 | Out-String)
            $text = Get-Content -Raw $table
            $text | Should -Match '\| Row \| What \| Target \| 40 ms, 100 Mbit/s per connection \| loopback \|'
            foreach ($row in '1. ', '2. ', '3. ', '4. ', '5. ', '6. ', '7a. ', '7b. ', '7c. ', '8. ') { $text | Should -Match ([regex]::Escape("| $row")) }
            $text | Should -Match '— (met|\*\*MISSED\*\*) \| [^|]*— (met|\*\*MISSED\*\*) \|' -Because 'a target row has a result in both columns'
        } finally {
            Remove-Item $table -ErrorAction SilentlyContinue
        }
    }
}
