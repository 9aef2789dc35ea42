"""Money for billing: the registry's one rounding rule and exact splits live in the shared
kernel (registry.core.money), since pricing in terms uses them too; billing names them here."""

from registry.core.money import CENT, Money, round_money, split_largest_remainder

__all__ = ["CENT", "Money", "round_money", "split_largest_remainder"]
