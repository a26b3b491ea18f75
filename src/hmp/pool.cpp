#include <hmp/detail/agreement.hpp>
#include <hmp/pool.hpp>

namespace hmp {

Pool::Pool(Runtime& rt, PoolOptions options)
    : core_(std::make_unique<detail::PoolCore>(options.comm ? *options.comm : rt.world(), options,
                                               rt.topology().threads_per_rank)),
      schedule_(options.schedule) {
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
  core_->join_all(detail::Outcome::keep);
}

void Pool::terminate() {
  closed_ = true;
  core_->join_all(detail::Outcome::keep);
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

}  // namespace hmp
