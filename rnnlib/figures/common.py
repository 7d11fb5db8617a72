"""What every chapter's figures share: one colour per cell type.

RNN, LSTM and GRU keep one colour each in every chapter and figure (design.md,
"Numbering and notation"); figure modules take their colours from here instead
of defining their own.
"""

__all__ = ["CELL_COLORS"]

#: One matplotlib colour per cell type, keyed by the cell's name as printed.
CELL_COLORS = {"RNN": "C0", "LSTM": "C3", "GRU": "C2"}
