#include <hmp/detail/agreement.hpp>
#include <hmp/pool.hpp>

namespace hmp {

namespace {

// The communicator of the pool's ranks: all of `comm`, or its first
// `processes` ranks (null on the others). Collective over `comm`.
Communicator pool_ranks(const Communicator& comm, const PoolOptions& options) {
  const int n = comm.size();
  if (options.processes < 0 || options.processes > n)
    throw UsageError("hmp::Pool: processes=" + std::to_string(options.processes) + " is not 1.." +
                     std::to_string(n) + " (the ranks of the pool's communicator), or 0 for all of them");
  const int k = options.processes == 0 ? n : options.processes;
  if (options.root < 0 || options.root >= k)
    throw UsageError("hmp::Pool: root " + std::to_string(options.root) + " is not a rank of the pool (0.." +
                     std::to_string(k - 1) + ")");
  return comm.split(comm.rank() < k ? 0 : MPI_UNDEFINED, comm.rank());
}

}  // namespace

Pool::Pool(Runtime& rt, PoolOptions options) : schedule_(options.schedule) {
  const Communicator& all = options.comm ? *options.comm : rt.world();
  const int threads = rt.topology().threads_per_rank;
  if (options.processes == 0 || options.processes == all.size()) {
    core_ = std::make_unique<detail::PoolCore>(all, options, threads);
  } else {
    const Communicator ranks = pool_ranks(all, options);
    outside_ = {options.processes, options.root, detail::pool_threads(options, threads), {}};
    if (!ranks.valid()) return;  // not a member: no initializer, no calls
    core_ = std::make_unique<detail::PoolCore>(ranks, options, threads);
  }
  if (!options.initializer) return;
  // The initializer runs on every rank; if it throws anywhere, every rank
  // throws the same error, so control flow stays the same on all ranks.
  std::string error;
  try {
    options.initializer();
  } catch (...) {
    const auto f = detail::describe_current_exception(rank(), 0);
    error = f.type + ": " + f.message;
  }
  if (const auto first = detail::first_failure(core_->comm(), error))
    throw TaskError("pool initializer failed: " + first->message, "initializer", first->rank, 0);
}

Pool::~Pool() = default;  // PoolCore joins every outstanding call

void Pool::close() { closed_ = true; }

void Pool::join() {
  if (!closed_) throw UsageError("hmp::Pool::join() before close() or terminate(): close the pool first");
  if (core_) core_->join_all(detail::Outcome::keep);
}

void Pool::terminate() {
  closed_ = true;
  if (core_) core_->join_all(detail::Outcome::keep);
}

detail::CallDescription Pool::describe(const char* kind, const MapOptions& o, detail::Flow flow,
                                       std::source_location where, const std::string& type) const {
  if (closed_) throw UsageError(std::string("hmp::Pool::") + kind + " on a closed pool: make calls before close()");
  detail::CallDescription d;
  d.schedule = o.schedule.value_or(schedule_);
  if (o.chunksize) d.schedule.chunksize = o.chunksize;
  d.delivery = o.everywhere ? Delivery::everywhere : Delivery::to_root;
  d.flow = flow;
  d.sig.kind = kind;
  d.sig.file = where.file_name();
  d.sig.line = where.line();
  d.sig.type = type;
  return d;
}

void Pool::check_rank(int owner) const {
  if (owner < 0 || owner >= size())
    throw UsageError("hmp::Pool::apply_on: rank " + std::to_string(owner) + " is not in the pool (0.." +
                     std::to_string(size() - 1) + ")");
}

void Pool::require_member(const char* kind) const {
  if (core_) return;
  throw UsageError(std::string("hmp::Pool::") + kind + " on a rank outside the pool (processes=" +
                   std::to_string(outside_.size) + " takes ranks 0.." + std::to_string(outside_.size - 1) +
                   "): make calls only where pool.member() is true");
}

}  // namespace hmp
