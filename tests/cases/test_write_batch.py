"""A submission's writes travel in one round trip (cases.services.batch.WriteBatch)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery
from django.test.utils import CaptureQueriesContext

from billing.models import UsageCase
from cases.models import Case, CaseEvent, CaseStep, Payment, PaymentMethod, PaymentStatus
from cases.services import batch as batch_module
from cases.services import case_submit
from cases.services.batch import WriteBatch, insert_sql
from cases.services.core import event_new

pytestmark = pytest.mark.django_db


def test_submission_writes_case_payment_steps_grants_event_and_usage_in_one_query(
    kriens, in_commune, kriens_setup
):
    """One query string holds the case, payment, steps, grants, event and usage count; every
    row is there afterwards, as the ORM would have written it."""
    resident = kriens_setup["resident"]
    with in_commune(kriens), CaptureQueriesContext(connection) as captured:
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
    batches = [
        q["sql"] for q in captured.captured_queries if 'INSERT INTO "cases_case"' in q["sql"]
    ]
    assert len(batches) == 1
    for table in ("cases_payment", "cases_casestep", "cases_casegroupobjectpermission"):
        assert table in batches[0]
    assert "cases_caseevent" in batches[0] and "billing_usagecase" in batches[0]
    with in_commune(kriens):
        stored = Case.objects.get(pk=case.pk)
        assert stored.reference == case.reference and stored.data == {"reason": "a"}
        payment = Payment.objects.get(case=stored)
        assert (payment.amount, payment.method, payment.status) == (
            Decimal("30.00"),
            PaymentMethod.QR_BILL,
            PaymentStatus.OPEN,
        )
        [step] = CaseStep.objects.filter(case=stored)
        assert step.pk == case.steps.get().pk and step.idempotency_key == f"{case.pk}:1"
        [event] = CaseEvent.objects.filter(case=stored)
        assert event.text == f"Geschäft {case.reference} eingereicht" and event.created_at
        assert kriens_setup["clerk"].has_perm("cases.view_case", stored)
    assert UsageCase.objects.filter(case_id=case.pk, commune_bfs=kriens.bfs_number).count() == 1


def test_a_failing_statement_in_a_batch_writes_nothing(kriens, in_commune, kriens_setup):
    """When one statement of the query string fails, none of the batch's rows remain."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        events = CaseEvent.objects.count()
        batch = WriteBatch()
        batch.insert([event_new(case=case, actor=resident, kind="note", text="eins")])
        batch.add('INSERT INTO "cases_case" (id) VALUES (%s)', [case.pk])  # duplicate key
        with pytest.raises(IntegrityError), transaction.atomic():
            batch.run()
        assert CaseEvent.objects.count() == events
        assert len(batch) == 0  # sent once, not again


def test_batch_sets_generated_ids_and_marks_objects_saved(kriens, in_commune, kriens_setup):
    """Inserted objects get their generated ids and count as saved (a later save updates)."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        first = event_new(case=case, actor=resident, kind="note", text="eins")
        second = event_new(case=case, actor=None, kind="note", text="zwei")
        batch = WriteBatch()
        batch.insert([first, second])
        with transaction.atomic():
            batch.run()
        assert first.pk and second.pk > first.pk
        assert not first._state.adding
        first.text = "geändert"
        first.save()
        assert CaseEvent.objects.get(pk=first.pk).text == "geändert"
        assert CaseEvent.objects.filter(case=case).count() == 3


def test_single_row_inserts_reuse_the_compiled_text_with_the_compilers_values(
    kriens, in_commune, kriens_setup
):
    """A second INSERT of the same shape takes the SQL text from the first compile; text and
    values are those Django's insert compiler makes (expressions included)."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        for text in (
            "eins",
            RawSQL("(SELECT %s || reference FROM cases_case WHERE id = %s)", ["Nr. ", case.pk]),
        ):
            for _round in range(2):  # compiled, then from the cache
                event = event_new(case=case, actor=resident, kind="note", text=text)
                model, opts = type(event), type(event)._meta
                fields = [f for f in opts.concrete_fields if f is not opts.pk]
                sql, params = insert_sql(model, fields, [event], [opts.pk])
                query = InsertQuery(model)
                query.insert_values(fields, [event])
                compiler = query.get_compiler(connection=connection)
                compiler.returning_fields = [opts.pk]
                [(expected_sql, expected_params)] = compiler.as_sql()
                assert sql == expected_sql
                # created_at: pre_save stamps the time again for the second compile; JSON
                # values come wrapped (Jsonb), compared by what they wrap.
                created = fields.index(opts.get_field("created_at"))

                def plain(values, created=created):
                    return [getattr(p, "obj", p) for i, p in enumerate(values) if i != created]

                assert plain(params) == plain(expected_params)


def _event_columns():
    """The timeline's model options, its columns as an INSERT writes them (no id), and where
    ``created_at`` (stamped anew by each compile) stands among them."""
    opts = CaseEvent._meta
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    return opts, fields, fields.index(opts.get_field("created_at"))


def test_multi_row_inserts_reuse_the_unnest_text_with_the_compilers_column_values(
    kriens, in_commune, kriens_setup
):
    """Several rows of one shape: the second INSERT takes its UNNEST text from the first
    compile and binds one list per column, exactly as Django's compiler does; the rows are
    written as the ORM would write them. A row with an SQL expression goes through the
    compiler (no UNNEST, nothing cached for it)."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        opts, fields, created = _event_columns()
        for count in (2, 3, 3):  # compiled, then from the cache (the text holds no row count)
            events = [
                event_new(case=case, actor=resident, kind="note", text=f"Nr. {i}", details={"i": i})
                for i in range(count)
            ]
            sql, params = insert_sql(CaseEvent, fields, events, [opts.pk])
            query = InsertQuery(CaseEvent)
            query.insert_values(fields, events)
            compiler = query.get_compiler(connection=connection)
            compiler.returning_fields = [opts.pk]
            [(expected_sql, expected_params)] = compiler.as_sql()
            assert "UNNEST(" in sql
            assert sql == expected_sql
            assert len(params) == len(fields)

            def plain(columns, created=created):
                return [
                    [getattr(v, "obj", v) for v in column]
                    for i, column in enumerate(columns)
                    if i != created
                ]

            assert plain(params) == plain(expected_params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        rows = CaseEvent.objects.filter(pk__in=ids).order_by("pk")
        assert [(e.text, e.details, e.actor_id) for e in rows] == [
            (f"Nr. {i}", {"i": i}, resident.pk) for i in range(3)
        ]
        cached = len(batch_module._UNNEST_SQL)
        mixed = [
            event_new(case=case, actor=resident, kind="note", text="a"),
            event_new(case=case, actor=resident, kind="note", text=RawSQL("%s", ["b"])),
        ]
        sql, _params = insert_sql(CaseEvent, fields, mixed, [])
        assert "UNNEST(" not in sql
        assert len(batch_module._UNNEST_SQL) == cached


def test_multi_row_inserts_without_returning_are_a_values_list_of_the_compilers_values(
    kriens, in_commune, kriens_setup
):
    """The machine's batched events (several rows, nothing returned) go as Django's VALUES
    list: the text made once per number of rows, the values row after row as the compiler
    prepares them, and the rows written as the ORM writes them."""
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        _opts, fields, created = _event_columns()
        before = set(CaseEvent.objects.values_list("pk", flat=True))
        for count in (2, 3, 3):  # compiled, then from the cache
            events = [
                event_new(
                    case=case, actor=resident, kind="note", text=f"{count}/{i}", details={"i": i}
                )
                for i in range(count)
            ]
            sql, params = insert_sql(CaseEvent, fields, events, [])
            query = InsertQuery(CaseEvent)
            query.insert_values(fields, events)
            compiler = query.get_compiler(connection=connection)
            compiler.__class__ = batch_module._ValuesInsertCompiler
            [(expected_sql, expected_params)] = compiler.as_sql()
            assert "UNNEST" not in sql
            assert sql == expected_sql
            assert sql.count("), (") == count - 1
            width = len(fields)

            def plain(values, created=created, width=width):
                return [getattr(v, "obj", v) for i, v in enumerate(values) if i % width != created]

            assert plain(params) == plain(expected_params)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        assert {k[-1] for k in batch_module._VALUES_SQL if k[1] is CaseEvent} >= {2, 3}
        written = CaseEvent.objects.exclude(pk__in=before).filter(kind="note").order_by("pk")
        assert [(e.text, e.details, e.actor_id, e.case_id) for e in written] == [
            (f"{n}/{i}", {"i": i}, resident.pk, case.pk) for n in (2, 3, 3) for i in range(n)
        ]


def test_the_multi_row_texts_kept_are_bounded(kriens, in_commune, kriens_setup, monkeypatch):
    """A process that serves every commune keeps a bounded number of multi-row texts: at the
    bound the cache starts over, and the texts stay right."""
    monkeypatch.setattr(batch_module, "_MULTI_ROW_KEPT", 2)
    monkeypatch.setattr(batch_module, "_VALUES_SQL", {})
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="parkkarte-test", data={"reason": "a"})
        _opts, fields, _created = _event_columns()
        for count in (2, 3, 4, 5):
            events = [event_new(case=case, actor=resident, kind="note") for _ in range(count)]
            sql, params = insert_sql(CaseEvent, fields, events, [])
            assert sql.count("), (") == count - 1 and len(params) == count * len(fields)
            assert len(batch_module._VALUES_SQL) <= 2
        assert [k[-1] for k in batch_module._VALUES_SQL] == [4, 5]
