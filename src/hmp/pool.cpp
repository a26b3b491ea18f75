#include <hmp/detail/mpi_check.hpp>
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
  struct {
    int failed;
    int rank;
  } mine{error.empty() ? 0 : 1, rank()}, first{0, 0};
  HMP_MPI_CHECK(MPI_Allreduce(&mine, &first, 1, MPI_2INT, MPI_MAXLOC, core_->comm().native()));
  if (!first.failed) return;
  std::size_t len = error.size();
  HMP_MPI_CHECK(MPI_Bcast(&len, 1, MPI_UINT64_T, first.rank, core_->comm().native()));
  error.resize(len);
  HMP_MPI_CHECK(MPI_Bcast(error.data(), static_cast<int>(len), MPI_CHAR, first.rank, core_->comm().native()));
  throw TaskError("pool initializer failed: " + error, "initializer", first.rank, 0);
}

Pool::~Pool() = default;  // PoolCore joins every outstanding call

void Pool::close() { closed_ = true; }

void Pool::join() {
  if (!closed_) throw UsageError("hmp::Pool::join() before close() or terminate(): close the pool first");
  core_->join_all(true);
}

void Pool::terminate() {
  closed_ = true;
  core_->join_all(true);
}

}  // namespace hmp
