#pragma once
// Generation parameters stored in PNG text chunks.
//
// Two chunks are written into every PNG we save:
//  - `parameters` (tEXt, or iTXt when the text is not Latin-1): the text other diffusion tools
//    write and read, e.g.
//        a photo of a cat
//        Negative prompt: blurry
//        Steps: 50, Sampler: DDIM, CFG scale: 5, Seed: 42, Size: 256x256, Model: base-inpaint
//  - `promptbrush` (iTXt, UTF-8 JSON): our own record that round-trips everything
//    ({"version": 1, "applied": [<parameters object>, ...]}).
//
// A parameters object is a flat JSON object with the keys "prompt", "negative_prompt",
// "steps", "sampler", "cfg_scale", "seed", "width", "height", "model", "model_hash"; any other
// scalar keys (mode, t, ...) are written to the text as "Title case: value" and parsed back into
// snake_case keys. Nested values (arrays, objects) only survive in the JSON chunk.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

inline constexpr char kPngParametersKey[] = "parameters";
inline constexpr char kPngPromptbrushKey[] = "promptbrush";

// A1111-style text of one parameters object.
QString formatParametersText(const QJsonObject& p);
// Inverse of formatParametersText; tolerant of text written by other tools (unknown keys are
// kept as snake_case keys; quoted values are unquoted). Empty object if nothing is recognised.
QJsonObject parseParametersText(const QString& text);

// The `promptbrush` chunk's JSON text for a list of applied parameters objects, and its parser
// (returns the "applied" array; empty if the text is not ours or is corrupt). The flat,
// string-valued object that promptbrush-cli writes reads as a one-entry list, typed like the
// text format (numbers become numbers).
QString formatPromptbrushChunk(const QJsonArray& applied);
QJsonArray parsePromptbrushChunk(const QString& text);

// Inserts text chunks right after IHDR of an encoded PNG (so that readers see them before the
// image data). Latin-1 text becomes tEXt, anything else uncompressed iTXt. Returns an empty
// array if `png` is not a well-formed PNG stream.
QByteArray insertPngTextChunks(const QByteArray& png, const QList<QPair<QString, QString>>& texts);

// Text chunks (tEXt, zTXt, iTXt) of a PNG file, in file order, with their line breaks;
// empty if the file is not a PNG. A damaged chunk is skipped, never fatal; so is what exceeds
// the budget (64 chunks, 8 MiB each and 16 MiB together, however well they compress).
QList<QPair<QString, QString>> readPngTextChunks(const QString& path);
// The encoded PNG without its text chunks (tEXt, zTXt, iTXt): for decoders that would
// inflate them all (see image_file.h). Anything after a damaged chunk (one claiming more
// bytes than follow) is kept as it is, and *damaged set.
QByteArray pngWithoutTextChunks(const QByteArray& png, bool* damaged = nullptr);
// The value of the first chunk named `key` (empty if none).
QString pngTextValue(const QList<QPair<QString, QString>>& chunks, const QString& key);
