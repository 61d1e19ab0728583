#pragma once
// SqliteBridgeQueue: bridge::QueueStore of one bridge on the SQLite store (wiring between
// bridge/ and store/, which do not know each other). Rows are keyed by the bridge's name, so
// a bridge made again under the same name, after a restart or a reconfiguration, finds what
// its predecessor owed the remote.
//
// The local message is stored (topic, payload, QoS, retain, 5.0 properties, expiry as wall
// clock), not the remote topic: the bridge recomputes that from its forwards when it loads.
//
// THREADING: stored() and released() hand a record to the store's writer thread and return;
// load() waits for the store's thread to read (start-up, before the bridge starts).
#include <string>

#include "bridge/outbound_queue.hpp"
#include "store/sqlite_store.hpp"

namespace nmq::app {

class SqliteBridgeQueue final : public bridge::QueueStore {
  public:
    SqliteBridgeQueue(store::SqliteStore& store, std::string bridge);

    void stored(const bridge::Outbound& m) override;
    void released(std::uint64_t seq) override;
    // In seq order, the remote topic left empty; a message that expired while stored or
    // cannot be read is released and left out.
    std::vector<bridge::Outbound> load() override;

  private:
    store::SqliteStore& store_;
    std::string bridge_;
};

}  // namespace nmq::app
