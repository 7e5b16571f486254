"""Market data: instruments, daily bars, latest prices and return statistics."""
