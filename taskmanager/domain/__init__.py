"""What every part of the domain shares: its transactions and its refusals."""
