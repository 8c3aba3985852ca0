"""Rating reasons become rows (RatingReason) the province edits in the admin.

Seeds the five reasons the rating form offered until now, with the same codes, so the ratings
already stored (lists of these codes) keep their meaning; every one is offered for all levels,
as before, and «Khác» still asks for a comment.
"""

from django.db import migrations, models

SEED = [
    # (code, text, requires_comment)
    ("slow", "Thời gian giải quyết lâu", False),
    ("attitude", "Thái độ cán bộ chưa tốt", False),
    ("many_supplements", "Yêu cầu bổ sung hồ sơ nhiều lần", False),
    ("unclear_guidance", "Hướng dẫn chưa rõ ràng", False),
    ("other", "Khác", True),
]


def seed_reasons(apps, schema_editor):
    RatingReason = apps.get_model("dossiers", "RatingReason")
    db = schema_editor.connection.alias
    for index, (code, text, requires_comment) in enumerate(SEED, start=1):
        RatingReason.objects.using(db).get_or_create(
            code=code,
            defaults={
                "text": text,
                "requires_comment": requires_comment,
                "position": index * 10,
                "for_very_satisfied": True,
                "for_satisfied": True,
                "for_not_satisfied": True,
                "is_active": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_workspace_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RatingReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="Mã cố định lưu trong các bản đánh giá (chữ thường, số, gạch ngang, gạch dưới); không sửa được sau khi tạo.",
                        max_length=40,
                        unique=True,
                        verbose_name="mã lý do",
                    ),
                ),
                ("text", models.CharField(max_length=200, verbose_name="nội dung hiển thị")),
                (
                    "for_very_satisfied",
                    models.BooleanField(default=True, verbose_name="dùng khi chọn «Rất hài lòng»"),
                ),
                (
                    "for_satisfied",
                    models.BooleanField(default=True, verbose_name="dùng khi chọn «Hài lòng»"),
                ),
                (
                    "for_not_satisfied",
                    models.BooleanField(
                        default=True, verbose_name="dùng khi chọn «Không hài lòng»"
                    ),
                ),
                (
                    "requires_comment",
                    models.BooleanField(
                        default=False,
                        help_text="Người đánh giá chọn lý do này thì phải ghi rõ ý kiến (ví dụ lý do «Khác»).",
                        verbose_name="bắt buộc ghi ý kiến",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=100, verbose_name="thứ tự")),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Bỏ chọn để thôi hiển thị lý do này; các đánh giá cũ vẫn được thống kê theo nó.",
                        verbose_name="đang dùng",
                    ),
                ),
            ],
            options={
                "verbose_name": "lý do đánh giá",
                "verbose_name_plural": "lý do đánh giá",
                "ordering": ["position", "code"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("for_very_satisfied", True),
                            ("for_satisfied", True),
                            ("for_not_satisfied", True),
                            _connector="OR",
                        ),
                        name="rating_reason_has_level",
                    )
                ],
            },
        ),
        migrations.RunPython(seed_reasons, migrations.RunPython.noop),
    ]
