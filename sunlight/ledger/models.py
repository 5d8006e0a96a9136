"""A county's transparency log: its entries, the hashes of its complete subtrees, its checkpoints.

All three tables are append-only; database triggers refuse UPDATE and DELETE (migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    """One leaf of a county's log: the exact bytes hashed, in the order they were appended."""

    county_code = models.CharField(_("县代码"), max_length=6)
    leaf_index = models.PositiveBigIntegerField(_("叶序号"))
    # The exact bytes hashed (canonical JSON of a published record's public fields).
    leaf_input = models.BinaryField(_("叶内容"))
    leaf_hash = models.CharField(_("叶哈希"), max_length=64, help_text=_("SHA-256(0x00 ‖ 叶内容)，十六进制"))
    kind = models.CharField(_("类别"), max_length=40)
    ref = models.CharField(_("来源"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("写入时间"))

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")
        ordering = ["county_code", "leaf_index"]
        constraints = [
            # Its index also serves the tree-size lookup, /entries pages and leaf-hash reads.
            models.UniqueConstraint(fields=["county_code", "leaf_index"], name="ledger_entry_position"),
        ]
        indexes = [
            # The leaf of a published record (disclosure's board links a post to its leaf).
            models.Index(fields=["county_code", "kind", "ref"], name="ledger_entry_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.county_code}#{self.leaf_index}"


class LedgerNode(models.Model):
    """The hash of a complete perfect subtree [index·2^level, (index+1)·2^level), level ≥ 1.

    Stored once, when its last leaf is appended; roots and proofs are folded from O(log n) of them.
    """

    county_code = models.CharField(_("县代码"), max_length=6)
    level = models.PositiveSmallIntegerField(_("层"))
    index = models.PositiveBigIntegerField(_("序号"))
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("子树哈希")
        verbose_name_plural = _("子树哈希")
        constraints = [
            # Its index serves every root and proof read: (county, level, index IN …).
            models.UniqueConstraint(fields=["county_code", "level", "index"], name="ledger_node_position"),
            models.CheckConstraint(condition=Q(level__gte=1), name="ledger_node_level_above_leaves"),
        ]

    def __str__(self) -> str:
        return f"{self.county_code} L{self.level}#{self.index}"


class Checkpoint(models.Model):
    """A signed tree head: the county key's Ed25519 signature over (origin, size, root)."""

    county_code = models.CharField(_("县代码"), max_length=6)
    tree_size = models.PositiveBigIntegerField(_("树大小"))
    root_hash = models.CharField(_("根哈希"), max_length=64)
    timestamp = models.DateTimeField(_("签名时间"))
    note = models.TextField(_("签名文本"), help_text=_("C2SP tlog-checkpoint 签名文本"))
    key_id = models.CharField(_("密钥编号"), max_length=8)

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["county_code", "-id"]
        indexes = [
            # The latest checkpoint of a county (GET …/checkpoint) and their history (ledger_verify).
            models.Index(fields=["county_code", "-id"], name="ledger_checkpoint_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.county_code} @{self.tree_size}"
