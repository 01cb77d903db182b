; NSIS installer hooks (tauri.conf.json > bundle > windows > nsis > installerHooks).
; "Share link with LinkDrop" in Explorer's context menu for every file, for the current user, the
; Windows counterpart of the Linux desktop entry's "Open with". Tauri's fileAssociations would
; make LinkDrop the default program of each extension listed, which a sharing tool must not be.

!macro NSIS_HOOK_POSTINSTALL
  WriteRegStr HKCU "Software\Classes\*\shell\LinkDrop" "" "Share link with LinkDrop"
  WriteRegStr HKCU "Software\Classes\*\shell\LinkDrop" "Icon" "$\"$INSTDIR\linkdrop-desktop.exe$\",0"
  WriteRegStr HKCU "Software\Classes\*\shell\LinkDrop" "MultiSelectModel" "Player"
  WriteRegStr HKCU "Software\Classes\*\shell\LinkDrop\command" "" "$\"$INSTDIR\linkdrop-desktop.exe$\" $\"%1$\""
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  DeleteRegKey HKCU "Software\Classes\*\shell\LinkDrop"
!macroend
