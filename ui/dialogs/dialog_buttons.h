#pragma once
// Tooltips for the standard buttons of every QDialogButtonBox under `root` that has none
// (OK, Cancel, Close, ...): their text names them for screen readers, the tooltip says what
// pressing them does, as every other control of the app does.
class QWidget;

void describeStandardButtons(QWidget* root);
