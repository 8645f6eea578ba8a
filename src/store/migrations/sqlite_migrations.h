// The SQLite store's schema history, oldest first. Append new steps; never edit released ones.
#pragma once

#include <span>

#include "store/migrations/migrator.h"

namespace wharf {

std::span<const Migration> sqliteMigrations();

}  // namespace wharf
