#pragma once
// Is a model file in the models folder the published file, whole? Checked from its index
// alone (names, dtypes and shapes against the shipped expectation, engine/io list_tensors):
// about a second for a multi-GB checkpoint, no tensor data read, so the models dialog and
// `promptbrush-cli models` check every file each time they show it. A truncated download
// fails because its zip directory or a storage lies beyond the end of the file. Tokenizer
// vocabularies are checked by exact size and by decompressing and parsing them.
//
// Results are cached by (path, size, modification time): showing the dialog again is
// instant, and a file replaced on disk is checked again. Thread-safe.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/model_expectation.h"
#include "engine/runtime/model_files.h"

namespace pb {

enum class VerifyStatus {
  missing,     // not in the models folder
  verified,    // every expected tensor present with its shape, nothing else
  wrong,       // readable, but other keys or shapes (another model, a wrong version)
  unreadable,  // not a checkpoint, or truncated / corrupt
};
const char* to_string(VerifyStatus s);  // "missing", "verified", "wrong", "unreadable"

struct VerifyResult {
  VerifyStatus status = VerifyStatus::missing;
  std::string path;         // where the file was found (empty when missing)
  std::uint64_t bytes = 0;  // its size
  // One line for a table cell: the first problem ("missing key out.2.weight", "input_blocks.0.0
  // .weight: expected [192, 7, 3, 3], found [192, 3, 3, 3]", "truncated: ..."), or for a
  // verified file "783 tensors, 385,030,726 parameters".
  std::string summary;
  std::vector<std::string> problems;  // every problem found (at most kMaxProblems)
  std::string detail() const;         // summary and problems, one per line
  bool ok() const { return status == VerifyStatus::verified; }
};

inline constexpr std::size_t kMaxProblems = 50;

// Floating-point dtypes stand in for each other (a published file may be float16 where the
// manifest says float32, and the loaders cast); other dtypes must match exactly.
VerifyResult verify_checkpoint(const std::string& path, const ModelExpectation& expected);
// By the kind of file: the shipped expectation for checkpoints, size and parsing for
// tokenizer vocabularies. `path` must exist (else: missing).
VerifyResult verify_model_file(const ModelFile& file, const std::string& path);
// Locates the file in the models folder first; cached (see above).
VerifyResult verify_in_folder(const std::string& models_dir, const ModelFile& file);
// Milliseconds, for every availability() check: a zip checkpoint (torch.save, TorchScript)
// whose end-of-central-directory record is missing was cut short (a partial download), and
// an empty file is no model. Returns the reason, or "" when nothing is wrong that this can
// see (only verify_* reads the directory and the shapes).
std::string quick_truncation_check(const std::string& path);
// Forgets cached results (tests; a Refresh that must look again anyway re-checks changed
// files by their size and time without this).
void clear_verify_cache();

// "1.5 GB", "348 kB" (decimal units, as download sizes are usually given).
std::string human_bytes(std::uint64_t bytes);

}  // namespace pb
