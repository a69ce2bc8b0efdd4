<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>BrushPanel</name>
    <message>
        <source>Brush</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <source>Paint what should change (B)</source>
        <translation>Malen, was sich ändern soll (B)</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>Radierer</translation>
    </message>
    <message>
        <source>Erase from the mask (E)</source>
        <translation>Aus der Maske radieren (E)</translation>
    </message>
    <message>
        <source>Brush size in image pixels ([ and ])</source>
        <translation>Pinselgröße in Bildpixeln ([ und ])</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>Pinselgröße</translation>
    </message>
    <message>
        <source> px</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Brush size in pixels</source>
        <translation>Pinselgröße in Pixeln</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Edge hardness: soft edges blend the result into the image</source>
        <translation>Kantenhärte: weiche Kanten blenden das Ergebnis ins Bild</translation>
    </message>
    <message>
        <source>Hardness</source>
        <translation>Härte</translation>
    </message>
    <message>
        <source>How strongly the mask overlay tints the image</source>
        <translation>Wie stark die Maskenüberlagerung das Bild tönt</translation>
    </message>
    <message>
        <source>Overlay opacity</source>
        <translation>Deckkraft der Überlagerung</translation>
    </message>
    <message>
        <source>Overlay</source>
        <translation>Überlagerung</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Clear the mask</source>
        <translation>Die Maske leeren</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Umkehren</translation>
    </message>
    <message>
        <source>Invert the mask</source>
        <translation>Die Maske umkehren</translation>
    </message>
    <message>
        <source>Fill</source>
        <translation>Füllen</translation>
    </message>
    <message>
        <source>Mask the whole image</source>
        <translation>Das ganze Bild maskieren</translation>
    </message>
</context>
<context>
    <name>CanvasView</name>
    <message>
        <source>Brush tool</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <source>Eraser tool</source>
        <translation>Radierer</translation>
    </message>
    <message>
        <source>Smaller brush</source>
        <translation>Kleinerer Pinsel</translation>
    </message>
    <message>
        <source>Larger brush</source>
        <translation>Größerer Pinsel</translation>
    </message>
    <message>
        <source>Compare: show the original while held (no mask, no preview)</source>
        <translation>Vergleichen: das Original zeigen, solange gedrückt (ohne Maske, ohne Vorschau)</translation>
    </message>
    <message>
        <source>Pan with the left mouse button while held</source>
        <translation>Mit der linken Maustaste verschieben, solange gedrückt</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>An Fenster anpassen</translation>
    </message>
    <message>
        <source>Actual size (100%)</source>
        <translation>Originalgröße (100 %)</translation>
    </message>
</context>
<context>
    <name>DialogButtons</name>
    <message>
        <source>Use these values and close</source>
        <translation>Diese Werte verwenden und schließen</translation>
    </message>
    <message>
        <source>Close without changing anything</source>
        <translation>Schließen, ohne etwas zu ändern</translation>
    </message>
    <message>
        <source>Close this window</source>
        <translation>Dieses Fenster schließen</translation>
    </message>
    <message>
        <source>Use these values</source>
        <translation>Diese Werte verwenden</translation>
    </message>
    <message>
        <source>Show help</source>
        <translation>Hilfe zeigen</translation>
    </message>
</context>
<context>
    <name>Document</name>
    <message>
        <source>There is no image to save.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save %1: the format &quot;%2&quot; is not supported.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot encode %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Erase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Brush stroke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear mask</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fill mask</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an image before importing a mask.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The mask is %1x%2 and the image %3x%4: the mask was resized to fit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import mask</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no mask to export.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write mask %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no image to save for recovery.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a usable recovery file: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>wrong file type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>version %1, expected %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected pixel format %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>implausible size %1x%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated pixel data (%1 bytes, expected %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>corrupt metadata</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not enough memory for %1x%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated pixel data</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GalleryPanel</name>
    <message>
        <source>Candidates of a run appear here.</source>
        <translation>Die Kandidaten eines Laufs erscheinen hier.</translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation>Kandidaten</translation>
    </message>
    <message>
        <source>Click to preview in place, double-click to apply</source>
        <translation>Klicken für eine Vorschau an Ort und Stelle, Doppelklick zum Übernehmen</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Commit the selected candidate to the image (undoable)</source>
        <translation>Den gewählten Kandidaten ins Bild übernehmen (rückgängig zu machen)</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <source>Drop these candidates</source>
        <translation>Diese Kandidaten verwerfen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the selected candidate to the clipboard, with its parameters (Ctrl+Shift+C)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>Save the selected candidate as a PNG with its parameters</source>
        <translation>Den gewählten Kandidaten als PNG mit seinen Parametern speichern</translation>
    </message>
    <message>
        <source>Export All…</source>
        <translation>Alle exportieren…</translation>
    </message>
    <message>
        <source>Write every candidate of this run into a folder (name_01.png, name_02.png, …)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed %1</source>
        <translation>Seed %1</translation>
    </message>
    <message numerus="yes">
        <source>Run %1 · %2 · %n candidate(s)</source>
        <translation>
            <numerusform>Lauf %1 · %2 · %n Kandidat</numerusform>
            <numerusform>Lauf %1 · %2 · %n Kandidaten</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Re-run</source>
        <translation>Erneut ausführen</translation>
    </message>
    <message>
        <source>Run again with the same parameters and seed</source>
        <translation>Mit denselben Parametern und demselben Seed erneut ausführen</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Load these parameters into the prompt panel</source>
        <translation>Diese Parameter in das Prompt-Feld laden</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every run of this session, newest first; double-click to reuse</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImageFile</name>
    <message>
        <source>Cannot open %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open %1: the PNG file is truncated or damaged (a chunk claims more bytes than the file holds).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is %2x%3 pixels; Promptbrush opens images of up to %4 megapixels and %5 pixels a side.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InterpolatePanel</name>
    <message>
        <source>Image %1</source>
        <translation>Bild %1</translation>
    </message>
    <message>
        <source>Set image %1 from the canvas, a candidate, a file or the clipboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the Canvas</source>
        <translation>Von der Leinwand</translation>
    </message>
    <message>
        <source>From the Selected Candidate</source>
        <translation>Vom gewählten Kandidaten</translation>
    </message>
    <message>
        <source>From a File…</source>
        <translation>Aus einer Datei…</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>Einfügen</translation>
    </message>
    <message>
        <source>a photo of a cat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What image A shows now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an anime drawing of a cat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What it should become</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>To</source>
        <translation>Nach</translation>
    </message>
    <message>
        <source>Text diff</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move image A toward the difference of two captions instead of toward image B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inverted end points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start every frame from the inverted noise of the end points, so that the ends reconstruct the inputs closely</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Frames in the strip</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The noise every frame shares</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Frames</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Choose images A and B</source>
        <translation>Wählen Sie die Bilder A und B</translation>
    </message>
    <message>
        <source>A ◂ ▸ B: the nearest rendered frame shows at once, the exact one follows when the slider rests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG Frames…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WebP…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sheet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The strip&apos;s frames as numbered PNGs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The strip as an animated WebP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The strip as one contact sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rendering…</source>
        <translation>Wird berechnet…</translation>
    </message>
    <message>
        <source>Choose image A and type both captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rendering the strip: 0 of %1 frames</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Strip done: %1 frames</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rendering the strip: %1 of %2 frames</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Frame at %1 finished (%2 px)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rendering the frame at %1 at full size…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · showing %2 (%3 px%4)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, exact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Position between A and B</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InterpolationStrip</name>
    <message>
        <source>The interpolation&apos;s frames (64 px); click one to move the slider there</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interpolation frames</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&lt;p style=&apos;font-size:15pt&apos;&gt;Open an image to start&lt;/p&gt;&lt;p&gt;File ▸ Open (Ctrl+O), drop an image here, paste one (Ctrl+V),&lt;br&gt;or File ▸ New Canvas for Text to image.&lt;/p&gt;&lt;p&gt;Then paint over what should change and press Generate.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>Galerie</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Mask Brush</source>
        <translation>Maskenpinsel</translation>
    </message>
    <message>
        <source>Interpolate</source>
        <translation>Interpolieren</translation>
    </message>
    <message>
        <source>Untitled</source>
        <translation>Unbenannt</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 × %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1: %2…</source>
        <translation>Lauf %1: %2…</translation>
    </message>
    <message>
        <source>Run %1 done in %2 s</source>
        <translation>Lauf %1 fertig in %2 s</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>%1 “%2”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applied candidate %1 (Ctrl+Z undoes)</source>
        <translation>Kandidat %1 übernommen (Strg+Z macht es rückgängig)</translation>
    </message>
    <message>
        <source>Open an image first.</source>
        <translation>Öffnen Sie zuerst ein Bild.</translation>
    </message>
    <message>
        <source>Select a candidate in the gallery first.</source>
        <translation>Wählen Sie zuerst einen Kandidaten in der Galerie.</translation>
    </message>
    <message>
        <source>Choose Image %1</source>
        <translation>Bild %1 wählen</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp)</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>Die Zwischenablage enthält kein Bild.</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>Ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>&amp;New Canvas…</source>
        <translation>&amp;Neue Leinwand…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>Speichern &amp;unter…</translation>
    </message>
    <message>
        <source>&amp;Export PNG…</source>
        <translation>Als PNG &amp;exportieren…</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>&amp;Paste Image</source>
        <translation>Bild ein&amp;fügen</translation>
    </message>
    <message>
        <source>&amp;Copy Image</source>
        <translation>Bild &amp;kopieren</translation>
    </message>
    <message>
        <source>Copy Ca&amp;ndidate</source>
        <translation>Ka&amp;ndidat kopieren</translation>
    </message>
    <message>
        <source>Ctrl+Shift+C</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export A&amp;ll Candidates…</source>
        <translation>A&amp;lle Kandidaten exportieren…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Brush	B</source>
        <translation>&amp;Pinsel	B</translation>
    </message>
    <message>
        <source>&amp;Eraser	E</source>
        <translation>&amp;Radierer	E</translation>
    </message>
    <message>
        <source>&amp;Clear Mask</source>
        <translation>Maske &amp;leeren</translation>
    </message>
    <message>
        <source>Ctrl+Shift+A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Invert Mask</source>
        <translation>Maske &amp;umkehren</translation>
    </message>
    <message>
        <source>Ctrl+I</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fill Mask</source>
        <translation>Maske &amp;füllen</translation>
    </message>
    <message>
        <source>I&amp;mport Mask…</source>
        <translation>Maske i&amp;mportieren…</translation>
    </message>
    <message>
        <source>E&amp;xport Mask…</source>
        <translation>Maske e&amp;xportieren…</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Generieren</translation>
    </message>
    <message>
        <source>&amp;Cancel Run</source>
        <translation>Lauf &amp;abbrechen</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>Ver&amp;größern</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>Ver&amp;kleinern</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>An &amp;Fenster anpassen</translation>
    </message>
    <message>
        <source>Ctrl+0</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation>&amp;Originalgröße</translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;Original</source>
        <translation>O&amp;riginal zeigen</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>&amp;Modelle…</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>&amp;About Promptbrush</source>
        <translation>Ü&amp;ber Promptbrush</translation>
    </message>
    <message>
        <source>About Promptbrush</source>
        <translation>Über Promptbrush</translation>
    </message>
    <message>
        <source>&lt;b&gt;Promptbrush&lt;/b&gt;&lt;p&gt;Text-guided image editing with diffusion models (GLIDE, unCLIP), running locally.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Mask</source>
        <translation>&amp;Maske</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>&amp;Lauf</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>%1 konnte nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>This image carries generation parameters.</source>
        <translation>Dieses Bild enthält Generierungsparameter.</translation>
    </message>
    <message>
        <source>This image was made with the prompt “%1”.</source>
        <translation>Dieses Bild wurde mit dem Prompt „%1“ erzeugt.</translation>
    </message>
    <message>
        <source>Restore Parameters</source>
        <translation>Parameter übernehmen</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>%1 konnte nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Could not export %1: %2</source>
        <translation>%1 konnte nicht exportiert werden: %2</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>%1 exportiert</translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <source>untitled.png</source>
        <translation>unbenannt.png</translation>
    </message>
    <message>
        <source>Save Image</source>
        <translation>Bild speichern</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>unbenannt</translation>
    </message>
    <message>
        <source>-export.png</source>
        <translation>-export.png</translation>
    </message>
    <message>
        <source>Export PNG</source>
        <translation>PNG exportieren</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>Import Mask</source>
        <translation>Maske importieren</translation>
    </message>
    <message>
        <source>Could not import the mask: %1</source>
        <translation>Die Maske konnte nicht importiert werden: %1</translation>
    </message>
    <message>
        <source>Export Mask</source>
        <translation>Maske exportieren</translation>
    </message>
    <message>
        <source>mask.png</source>
        <translation>maske.png</translation>
    </message>
    <message>
        <source>Could not export the mask: %1</source>
        <translation>Die Maske konnte nicht exportiert werden: %1</translation>
    </message>
    <message>
        <source>Unsaved Changes</source>
        <translation>Ungespeicherte Änderungen</translation>
    </message>
    <message>
        <source>The image has unsaved changes. Save them first?</source>
        <translation>Das Bild hat ungespeicherte Änderungen. Zuerst speichern?</translation>
    </message>
    <message>
        <source>Copied the image</source>
        <translation>Bild kopiert</translation>
    </message>
    <message>
        <source>Copied candidate %1</source>
        <translation>Kandidat %1 kopiert</translation>
    </message>
    <message>
        <source>Saved candidate %1 as %2</source>
        <translation>Kandidat %1 als %2 gespeichert</translation>
    </message>
    <message>
        <source>Replace Files</source>
        <translation>Dateien ersetzen</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) already exist in %1: %2. Replace them?</source>
        <translation>
            <numerusform>%n Datei existiert bereits in %1: %2. Ersetzen?</numerusform>
            <numerusform>%n Dateien existieren bereits in %1: %2. Ersetzen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n candidate(s) to %1</source>
        <translation>
            <numerusform>%n Kandidat nach %1 exportiert</numerusform>
            <numerusform>%n Kandidaten nach %1 exportiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Save Candidate</source>
        <translation>Kandidat speichern</translation>
    </message>
    <message>
        <source>Export All Candidates To</source>
        <translation>Alle Kandidaten exportieren nach</translation>
    </message>
    <message>
        <source>Close the %1 panel</source>
        <translation>Leiste „%1“ schließen</translation>
    </message>
    <message>
        <source>Float or dock the %1 panel</source>
        <translation>Leiste „%1“ lösen oder andocken</translation>
    </message>
    <message>
        <source>Save Candi&amp;date…</source>
        <translation>Kan&amp;didat speichern…</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Welcome to Promptbrush</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlocks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy Link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the selected file&apos;s download link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the models folder (it is created if needed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy All Links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check Again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a file to see where to download it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download %1 from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Promptbrush works without any model.&lt;/b&gt; The Inpaint mode fills what you paint with OpenCV&apos;s classic inpainting (Telea or Navier-Stokes).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;The files below unlock &lt;b&gt;GLIDE&lt;/b&gt; (text-guided inpainting and text to image) and &lt;b&gt;unCLIP&lt;/b&gt; (Karlo: variations and interpolation). Select a file to see its official download link.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the files, with these names, into the models folder:&lt;br&gt;&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;From the source folder, &lt;code&gt;bash packaging/download-models.sh&lt;/code&gt; downloads them all there. Change the folder in Settings, with &lt;code&gt;--models DIR&lt;/code&gt; or with &lt;code&gt;$PROMPTBRUSH_MODELS&lt;/code&gt;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NewCanvasDialog</name>
    <message>
        <source>New Canvas</source>
        <translation>Neue Leinwand</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Eigene</translation>
    </message>
    <message>
        <source>%1 × %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>768 × 512 (landscape)</source>
        <translation>768 × 512 (Querformat)</translation>
    </message>
    <message>
        <source>512 × 768 (portrait)</source>
        <translation>512 × 768 (Hochformat)</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <source> px</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Width</source>
        <translation>Breite</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>Höhe</translation>
    </message>
    <message>
        <source>Background colour</source>
        <translation>Hintergrundfarbe</translation>
    </message>
    <message>
        <source>Background</source>
        <translation>Hintergrund</translation>
    </message>
    <message>
        <source>Common sizes; the diffusion models work at 256 × 256</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Width of the new canvas in pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Height of the new canvas in pixels</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PromptPanel</name>
    <message>
        <source>Some modes need model files. &lt;a href=&quot;models&quot;&gt;Install models…&lt;/a&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Verfahren</translation>
    </message>
    <message>
        <source>Describe what should be there…</source>
        <translation>Beschreiben Sie, was dort sein soll…</translation>
    </message>
    <message>
        <source>Recent prompts</source>
        <translation>Letzte Prompts</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Classifier-free guidance: higher follows the prompt more closely</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>Führung</translation>
    </message>
    <message>
        <source> steps</source>
        <translation> Schritte</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>Zufällig</translation>
    </message>
    <message>
        <source>Reuse the last run&apos;s seed</source>
        <translation>Den Seed des letzten Laufs wiederverwenden</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>How many candidates one run makes</source>
        <translation>Wie viele Kandidaten ein Lauf erzeugt</translation>
    </message>
    <message>
        <source>Candidates</source>
        <translation>Kandidaten</translation>
    </message>
    <message>
        <source>64 px preview only</source>
        <translation>Nur 64-px-Vorschau</translation>
    </message>
    <message>
        <source>Stop at the decoder&apos;s 64 px output, without the 256 px super-resolution stage: minutes sooner on a CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Generieren</translation>
    </message>
    <message>
        <source>Generate (Ctrl+Enter)</source>
        <translation>Generieren (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the run (Esc)</source>
        <translation>Den Lauf abbrechen (Esc)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>See Help ▸ Models… for the files to install.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How the masked area is filled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GLIDE is unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variations of the image on the canvas (or of the candidate shown there). Apply keeps the image&apos;s size.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose images A and B (or a caption pair) in the Interpolate panel and drag its slider. Generate renders the strip again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Startet…</translation>
    </message>
    <message>
        <source>Loading model: %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · step %2/%3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stage %1/%2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · about %1 s left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No prompts yet</source>
        <translation>Noch keine Prompts</translation>
    </message>
    <message>
        <source>What should appear where the mask is; Enter generates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear the prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guidance scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fast, default or a custom number of sampling steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sampling steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sampling steps of the Custom quality</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new random seed for every run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The noise seed: the same seed and settings give the same result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reuse the last seed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>GLIDE inpainting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GLIDE text to image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unCLIP variations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unCLIP text to image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>interpolation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recover Work</source>
        <translation>Arbeit wiederherstellen</translation>
    </message>
    <message>
        <source>Promptbrush did not close properly last time. Restore the unsaved image, mask and run history?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not recover: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invert mask</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the image could not be encoded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repaint the masked area from the prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generate a whole image from the prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New images with the content and style of this one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Morph between two images through CLIP space</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inpaint</source>
        <translation>Inpainting</translation>
    </message>
    <message>
        <source>Text to image</source>
        <translation>Text zu Bild</translation>
    </message>
    <message>
        <source>Variations</source>
        <translation>Variationen</translation>
    </message>
    <message>
        <source>Interpolate</source>
        <translation>Interpolieren</translation>
    </message>
    <message>
        <source>GLIDE diffusion</source>
        <translation>GLIDE-Diffusion</translation>
    </message>
    <message>
        <source>Classic fill (Telea)</source>
        <translation>Klassische Füllung (Telea)</translation>
    </message>
    <message>
        <source>Classic fill (Navier-Stokes)</source>
        <translation>Klassische Füllung (Navier-Stokes)</translation>
    </message>
    <message>
        <source>Fast</source>
        <translation>Schnell</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>Custom steps</source>
        <translation>Eigene Schrittzahl</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Models Folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>Models folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>This session uses the folder given by %1; the setting applies when it is not given.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatisch</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA GPU</source>
        <translation>CUDA-GPU</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Float32 (exact)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BFloat16 (about 2x faster, approximate)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How the CPU computes the networks. Float32 reproduces the reference models; BFloat16 halves the time per step on processors with bfloat16 instructions and changes the result slightly. A GPU always uses float16.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU precision</source>
        <translation>CPU-Genauigkeit</translation>
    </message>
    <message>
        <source> MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>Unbegrenzt</translation>
    </message>
    <message>
        <source>Loaded models beyond this are unloaded, least recently used first. A budget also turns off the faster float32 convolutions, whose cached weights take memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory budget</source>
        <translation>Speicherbudget</translation>
    </message>
    <message>
        <source>All cores</source>
        <translation>Alle Kerne</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU-Threads</translation>
    </message>
    <message>
        <source>Where the model files are (GLIDE .pt, Karlo .ckpt, CLIP)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the models folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the models folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the networks run: a CUDA GPU when there is one, else the CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How many CPU threads a run may use</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Other</source>
        <translation>Weitere</translation>
    </message>
    <message>
        <source>Canvas keys (also from the gallery, history and panels)</source>
        <translation>Leinwandtasten (auch aus Galerie, Verlauf und Leisten)</translation>
    </message>
    <message>
        <source>%1 (hold)</source>
        <translation>%1 (halten)</translation>
    </message>
    <message>
        <source>Mouse</source>
        <translation>Maus</translation>
    </message>
    <message>
        <source>Paint the mask (the eraser erases)</source>
        <translation>Maske malen (der Radierer radiert)</translation>
    </message>
    <message>
        <source>Left drag</source>
        <translation>Linke Maustaste ziehen</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Verschieben</translation>
    </message>
    <message>
        <source>Middle drag, or Space + left drag</source>
        <translation>Mittlere Maustaste ziehen oder Leertaste + linke Maustaste ziehen</translation>
    </message>
    <message>
        <source>Zoom around the pointer</source>
        <translation>Um den Mauszeiger zoomen</translation>
    </message>
    <message>
        <source>Wheel</source>
        <translation>Mausrad</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>Pinselgröße</translation>
    </message>
    <message>
        <source>Ctrl + wheel</source>
        <translation>Strg + Mausrad</translation>
    </message>
    <message>
        <source>Apply a candidate</source>
        <translation>Einen Kandidaten übernehmen</translation>
    </message>
    <message>
        <source>Double-click it in the gallery</source>
        <translation>Doppelklick in der Galerie</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Single keys (B, E, [, ], Tab, Space, +, -, 0, 1) work wherever the keyboard focus is in the window, not only on the canvas. While you type in a text field (the prompt, the seed, a caption, a number) every key keeps its text meaning: letters and digits type, Space types a space, Tab moves to the next field, and Ctrl+Z, Ctrl+C, Ctrl+V undo, copy and paste text. On a button Space presses it; Shift+Tab always moves the focus back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Every command with a key, by menu</source>
        <translation>Jeder Befehl mit einer Taste, nach Menü</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Tasten</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Text-guided image editing with diffusion models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models folder (overrides $PROMPTBRUSH_MODELS and the settings).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DIR</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image to open.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pbapp::AppController</name>
    <message>
        <source>Open an image first (File ▸ Open, drag and drop, or Ctrl+V).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paint over the area that should change first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pbapp::InterpolationController</name>
    <message>
        <source>Choose image A and type both captions in the Interpolate panel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose images A and B in the Interpolate panel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interpolation failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Frame at %1: %2 step %3/%4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Frames to Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Animated WebP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>interpolation.webp</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WebP animations (*.webp)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Contact Sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>interpolation-sheet.png</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished">PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <source>Could not export: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the strip is not rendered yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pbapp::RecoveryManager</name>
    <message>
        <source> (moved aside to %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write the recovery file %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
