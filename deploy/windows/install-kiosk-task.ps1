<#
.SYNOPSIS
    Starts botox-kiosk at logon of the kiosk user (Task Scheduler), starts it again when it
    exits, and keeps the screen on.

.DESCRIPTION
    Run once, in an elevated PowerShell, after copying the bundle (dist\botox-kiosk) to
    C:\Program Files\botox-kiosk and the config to C:\ProgramData\botox-kiosk\kiosk.toml.
    Safe to run again (the task is replaced). It:
      - checks the config with "botox-kiosk.exe check-config" and stops if it is broken;
      - registers the task \botox-kiosk: at logon of -KioskUser, as that user, in that user's
        desktop, with no time limit, at normal priority, restarted on failure, and started
        again each minute if it is not running (so a kiosk that exits comes back within a
        minute even when Task Scheduler does not count its exit as a failure);
      - turns off display sleep, standby and hibernation on mains power (and on battery)
        with powercfg.
    The kiosk user also needs to be signed in automatically at boot: see README-windows.md.

.PARAMETER KioskUser
    The kiosk's Windows account (a standard user, not an administrator): "kiosk" for a local
    account, or "DOMAIN\kiosk".

.PARAMETER Uninstall
    Remove the task (the power settings stay; README-windows.md says how to restore them).

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File .\install-kiosk-task.ps1 -KioskUser kiosk
#>
#Requires -RunAsAdministrator
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $KioskUser,
    [string] $ExePath = 'C:\Program Files\botox-kiosk\botox-kiosk.exe',
    [string] $ConfigPath = 'C:\ProgramData\botox-kiosk\kiosk.toml',
    [string] $TaskName = 'botox-kiosk',
    [switch] $Uninstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The account, as Task Scheduler wants it; a name that does not exist stops here.
$account = if ($KioskUser.Contains('\')) { $KioskUser } else { "$env:COMPUTERNAME\$KioskUser" }
try {
    $sid = (New-Object System.Security.Principal.NTAccount($account)).Translate(
        [System.Security.Principal.SecurityIdentifier]).Value
} catch {
    throw "No Windows account '$account': create the kiosk user first (a standard user)."
}
Write-Host "Kiosk user: $account ($sid)"

if ($Uninstall) {
    if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
        Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
        Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
        Write-Host "Task '$TaskName' removed."
    } else {
        Write-Host "No task '$TaskName': nothing to remove."
    }
    return
}

# --- checks ---------------------------------------------------------------------------------
if (-not (Test-Path -LiteralPath $ExePath -PathType Leaf)) {
    throw "No kiosk at '$ExePath': copy the bundle folder (dist\botox-kiosk) to '$(Split-Path $ExePath)'."
}
if (-not (Test-Path -LiteralPath $ConfigPath -PathType Leaf)) {
    throw "No config at '$ConfigPath': copy docs\kiosk.example.toml there and fill in your clinic."
}
Write-Host "Checking $ConfigPath ..."
# 'Continue' while it runs: Windows PowerShell 5.1 turns each line a native program writes to
# stderr (check-config's warnings) into an error record, which 'Stop' would make fatal.
$ErrorActionPreference = 'Continue'
$output = & $ExePath check-config $ConfigPath 2>&1
$code = $LASTEXITCODE
$ErrorActionPreference = 'Stop'
$output | ForEach-Object { Write-Host "  $_" }
if ($code -ne 0) {
    throw "The config has the problems listed above (check-config exit code $code): fix it and run this again."
}

# --- the task -------------------------------------------------------------------------------
$action = New-ScheduledTaskAction -Execute $ExePath `
    -Argument "--config `"$ConfigPath`"" `
    -WorkingDirectory (Split-Path -Parent $ExePath)

$trigger = New-ScheduledTaskTrigger -AtLogOn -User $account
# Also fire every minute, for ever, after logon: with MultipleInstances IgnoreNew a running
# kiosk is left alone, and one that has exited is started again.
$trigger.Repetition = (New-ScheduledTaskTrigger -Once -At (Get-Date) `
        -RepetitionInterval (New-TimeSpan -Minutes 1)).Repetition

# Interactive: runs only while the user is signed in, in that user's desktop (no password kept).
$principal = New-ScheduledTaskPrincipal -UserId $account -LogonType Interactive -RunLevel Limited

$settings = New-ScheduledTaskSettingsSet `
    -ExecutionTimeLimit ([TimeSpan]::Zero) `
    -RestartCount 255 -RestartInterval (New-TimeSpan -Minutes 1) `
    -MultipleInstances IgnoreNew `
    -Priority 4 `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -StartWhenAvailable
# ExecutionTimeLimit 0: no limit (the default, 72 hours, would end the kiosk every third day).
# Priority 4: normal (the default for tasks, 7, runs the kiosk below normal priority).

Register-ScheduledTask -TaskName $TaskName -TaskPath '\' `
    -Action $action -Trigger $trigger -Principal $principal -Settings $settings `
    -Description 'botox-kiosk: the waiting-room kiosk, started at logon of the kiosk user and again whenever it exits.' `
    -Force | Out-Null
Write-Host "Task '\$TaskName' registered: starts at logon of $account."

# --- screen blanking ------------------------------------------------------------------------
# On the active power plan: never turn the display off, never sleep, never hibernate.
foreach ($setting in 'monitor-timeout-ac', 'standby-timeout-ac', 'hibernate-timeout-ac',
    'monitor-timeout-dc', 'standby-timeout-dc', 'hibernate-timeout-dc') {
    & powercfg.exe /change $setting 0
    if ($LASTEXITCODE -ne 0) { throw "powercfg /change $setting 0 failed (exit code $LASTEXITCODE)." }
}
Write-Host 'Display sleep, standby and hibernation turned off (powercfg, active power plan).'

# --- what next ------------------------------------------------------------------------------
Write-Host @"

Next:
  - Sign $account in automatically at boot (README-windows.md, "Automatic sign-in").
    The kiosk starts when $account signs in; if $account is signed in now: Start-ScheduledTask -TaskName $TaskName
  - Stop for maintenance:  Disable-ScheduledTask -TaskName $TaskName; Stop-ScheduledTask -TaskName $TaskName
    and back:              Enable-ScheduledTask -TaskName $TaskName; Start-ScheduledTask -TaskName $TaskName
  - The kiosk's log:       C:\Users\<kiosk user>\AppData\Local\botox-kiosk\Logs\kiosk.log
"@
