#pragma once
// The app's look: Fusion with a calm light palette, a blue accent, and a few style-sheet
// rules for the dock titles, the mode switch and the Generate button.
class QApplication;

void applyAppStyle(QApplication& app);
