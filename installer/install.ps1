# CodeSynth Studio installer for Windows (per user).
#   powershell -ExecutionPolicy Bypass -File installer\install.ps1            install or repair
#   powershell -ExecutionPolicy Bypass -File installer\install.ps1 uninstall  remove, keeping sessions
#   ... install.ps1 uninstall -Purge                                           also remove sessions
# Note: the sandbox refuses to run untrusted code on Windows until Job Object isolation exists
# (see sandbox/README.md); generation, ranking and the rest of the app work.
param([string]$Action = "install", [switch]$Purge)
$ErrorActionPreference = "Stop"
$Src = Split-Path -Parent $PSScriptRoot
$AppHome = Join-Path $env:LOCALAPPDATA "codesynth-studio"
$App = Join-Path $AppHome "app"
$Venv = Join-Path $AppHome "venv"
$Shortcut = Join-Path ([Environment]::GetFolderPath("Programs")) "CodeSynth Studio.lnk"
$Start = Get-Date
function Step($Text) { Write-Host ("[{0,4:N0}s] {1}" -f ((Get-Date) - $Start).TotalSeconds, $Text) }

if ($Action -eq "uninstall") {
    Step "Removing CodeSynth Studio"
    foreach ($Path in @($App, $Venv, (Join-Path $AppHome "models"), $Shortcut)) {
        if (Test-Path $Path) { Remove-Item -Recurse -Force $Path }
    }
    if ($Purge -and (Test-Path $AppHome)) { Remove-Item -Recurse -Force $AppHome; Write-Host "Saved sessions removed too." }
    elseif (Test-Path $AppHome) { Write-Host "Kept your saved sessions in $AppHome (uninstall -Purge removes them)." }
    exit 0
}

Step "Checking Python (3.10 or newer)"
$Py = Get-Command py -ErrorAction SilentlyContinue
if ($Py) { $Python = @("py", "-3") } else { $Python = @("python") }
& $Python[0] $Python[1..9] -c "import sys; sys.exit(sys.version_info < (3, 10))"
if ($LASTEXITCODE -ne 0) {
    Write-Host "CodeSynth Studio needs Python 3.10 or newer: install it from python.org or with 'winget install Python.Python.3.11'."
    exit 1
}

Step "Copying the application to $App"
New-Item -ItemType Directory -Force -Path $AppHome | Out-Null
if (Test-Path "$App.partial") { Remove-Item -Recurse -Force "$App.partial" }
robocopy $Src "$App.partial" /E /XD .venv .git __pycache__ /NFL /NDL /NJH /NJS | Out-Null
if (Test-Path $App) { Remove-Item -Recurse -Force $App }
Move-Item "$App.partial" $App

Step "Creating the virtual environment $Venv"
if (-not (Test-Path (Join-Path $Venv "Scripts\python.exe"))) { & $Python[0] $Python[1..9] -m venv $Venv }
$VPy = Join-Path $Venv "Scripts\python.exe"
Step "Installing Python packages (torch about 200 MB for the CPU build; the GUI about 150 MB)"
& $VPy -m pip install -q --upgrade pip
& $VPy -m pip install -q -c (Join-Path $App "installer\pins.txt") torch
& $VPy -m pip install -q -e $App
# llama.cpp runs GGUF models faster on most CPUs (core/runner.py); without it they run on torch.
& $VPy -m pip install -q -c (Join-Path $App "installer\pins.txt") llama-cpp-python
if ($LASTEXITCODE -ne 0) { Write-Warning "llama-cpp-python could not be installed: models will run on torch" }

Step "Installing the default model (Qwen2.5-Coder-0.5B-Instruct: 491 MB download, converted once, about 2 minutes)"
& (Join-Path $Venv "Scripts\codesynth.exe") model install-default

Step "Creating the Start-menu shortcut"
$Shell = New-Object -ComObject WScript.Shell
$Link = $Shell.CreateShortcut($Shortcut)
$Link.TargetPath = Join-Path $Venv "Scripts\codesynth-studio.exe"
$Link.IconLocation = Join-Path $App "resources\icons\codesynth.ico"
$Link.Description = "Generate, rank and test code with a local language model"
$Link.Save()
Step "Installed. Start CodeSynth Studio from the Start menu."
