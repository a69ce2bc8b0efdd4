#pragma once
// Writers for the containers load_checkpoint reads, byte-compatible with what
// torch.save (zip and legacy) and safetensors write, so that tests and the benchmark
// set-up can make checkpoints without Python (and files written here load in PyTorch).
//
// TorchPickler builds a protocol-2 pickle whose tensors are torch storages, for
// containers other than a plain state_dict (Lightning-style dicts, tuples, crafted
// objects). Tensors sharing a storage are written once, as views (offset, strides).
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"

namespace pb::io {

class TorchPickler {
 public:
  // legacy: storages are written as legacy torch.save persistent ids (6-tuples).
  explicit TorchPickler(bool legacy = false);

  // Opcodes (each appends to the pickle; the caller keeps the stack balanced).
  TorchPickler& mark();
  TorchPickler& none();
  TorchPickler& boolean(bool b);
  TorchPickler& integer(std::int64_t i);
  TorchPickler& floating(double d);
  TorchPickler& string(const std::string& s);
  TorchPickler& global(const std::string& module, const std::string& name);
  TorchPickler& empty_dict();
  TorchPickler& empty_list();
  TorchPickler& empty_tuple();
  TorchPickler& tuple();  // from the last mark
  TorchPickler& setitems();
  TorchPickler& appends();
  TorchPickler& reduce();
  TorchPickler& newobj();
  TorchPickler& build();
  TorchPickler& raw(const std::string& bytes);  // for crafted test pickles
  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
  TorchPickler& tensor(const torch::Tensor& t);
  // An OrderedDict of name -> tensor (a state_dict).
  TorchPickler& state_dict(const TensorList& tensors);
  // Appends STOP; returns the pickle bytes.
  std::string finish();

  struct StorageBlob {
    std::string key;
    torch::Tensor storage;  // a flat contiguous tensor over the whole storage
  };
  const std::vector<StorageBlob>& storages() const { return storages_; }

 private:
  bool legacy_;
  std::string out_;
  std::vector<StorageBlob> storages_;
  std::map<const void*, std::size_t> keys_;  // storage -> index in storages_
};

// A torch.save zip (files under "<root>/": data.pkl, data/<key>, version), entries
// stored and 64-byte aligned like PyTorch's writer. Throws pb::Error(io_error).
void write_torch_zip(const std::string& path, TorchPickler& pickler,
                     const std::string& root = "archive");
// A legacy (pre-1.6) torch.save file.
void write_torch_legacy(const std::string& path, TorchPickler& pickler);

void save_torch_zip(const std::string& path, const TensorList& tensors);
void save_torch_legacy(const std::string& path, const TensorList& tensors);
// safetensors: see engine/io/safetensors_writer.h.

}  // namespace pb::io
