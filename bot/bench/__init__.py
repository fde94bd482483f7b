"""``aibot bench``: a synthetic fact base of any size and the measurements taken on it."""
