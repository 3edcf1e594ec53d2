from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("progress", "0005_assignment_plain_message")]

    operations = [
        # The defaults only let the columns be added to existing rows; 0007 fills them.
        migrations.AddField(
            model_name="coursecompletion",
            name="course_title",
            field=models.CharField(
                default="",
                help_text="The title printed on the certificate, as the course was called then.",
                max_length=200,
                verbose_name="course title at completion",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="coursecompletion",
            name="course_version",
            field=models.PositiveIntegerField(
                default=1,
                help_text="The version of the course the learner completed.",
                verbose_name="course version at completion",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="coursecompletion",
            name="credit_hours",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                help_text="The study time printed on the certificate, fixed when it was completed.",
                max_digits=6,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="credit hours",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="coursecompletion",
            constraint=models.CheckConstraint(
                condition=models.Q(("credit_hours__gte", 0)),
                name="completion_hours_not_negative",
                violation_error_message="Credit hours cannot be negative.",
            ),
        ),
    ]
