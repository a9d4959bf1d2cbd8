#pragma once
// The local spool: parsed batches that could not reach the database, appended as JSON lines and
// replayed (then truncated) by the next ingest that reaches it. Nothing is lost in between.
#include <functional>
#include <string>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {

// Appends batches under an exclusive lock and fsyncs. Throws std::runtime_error on I/O errors
// (the caller must not claim the data is safe if the spool write failed).
void spool_append(const std::string& path, const std::vector<IngestBatch>& batches);

// Reads every spooled batch (grouped by original source, in order). A missing file is empty.
// Throws core::InputError naming the spool and line for a corrupt line.
std::vector<IngestBatch> spool_read(const std::string& path);
std::vector<IngestBatch> spool_parse(std::string_view text, const std::string& source);

// Under the spool's lock (so no append slips in between): reads it, hands the batches to
// `store` and empties the spool only if `store` returns normally. Returns how many batches.
std::size_t spool_replay(const std::string& path, const std::function<void(const std::vector<IngestBatch>&)>& store);

}  // namespace sg::fleet
