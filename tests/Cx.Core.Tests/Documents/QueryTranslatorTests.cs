using Cx.Azure.Cosmos;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Cx.Embedded.Sqlite;

namespace Cx.Core.Tests.Documents;

/// <summary>
/// The one walk of the condition tree and the keyset that both stores extend (what each dialect
/// returns is covered by the store contract suites and CosmosQueryBuilderTests): written here in
/// a readable notation, so a wrong dispatch shows as wrong text.
/// </summary>
public sealed class QueryTranslatorTests
{
    private static ScalarValue S(string value) => ScalarValue.From(value);

    private static readonly FieldPath Tier = FieldPath.Parse("tier");
    private static readonly FieldPath Age = FieldPath.Parse("age");

    private static Comparison Compare(FieldPath field, ComparisonOperator op, params ScalarValue[] operands) =>
        new(field, op, new EquatableArray<ScalarValue>(operands));

    public static TheoryData<ComparisonOperator, string> Operators =>
        new()
        {
            { ComparisonOperator.Eq, "tier = 'gold'" },
            { ComparisonOperator.Ne, "tier != 'gold'" },
            { ComparisonOperator.Gt, "tier > 'gold'" },
            { ComparisonOperator.Gte, "tier >= 'gold'" },
            { ComparisonOperator.Lt, "tier < 'gold'" },
            { ComparisonOperator.Lte, "tier <= 'gold'" },
            { ComparisonOperator.In, "tier in {'gold'}" },
            { ComparisonOperator.Nin, "tier not in {'gold'}" },
            { ComparisonOperator.StartsWith, "tier starts 'gold'" },
            { ComparisonOperator.Contains, "tier contains 'gold'" },
        };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Should_send_each_operator_to_its_own_method(ComparisonOperator op, string expected) =>
        Assert.Equal(expected, Notation.Filter(Compare(Tier, op, S("gold"))));

    [Theory]
    [InlineData(ComparisonOperator.Eq, "missing(tier)")]
    [InlineData(ComparisonOperator.Ne, "present(tier)")]
    public void Should_treat_a_null_operand_of_eq_and_ne_as_a_test_for_a_missing_value(ComparisonOperator op, string expected) =>
        Assert.Equal(expected, Notation.Filter(Compare(Tier, op, ScalarValue.Null)));

    [Fact]
    public void Should_test_presence_for_exists_true_and_absence_otherwise()
    {
        Assert.Equal("present(tier)", Notation.Filter(Compare(Tier, ComparisonOperator.Exists, ScalarValue.From(true))));
        Assert.Equal("missing(tier)", Notation.Filter(Compare(Tier, ComparisonOperator.Exists, ScalarValue.From(false))));
    }

    [Fact]
    public void Should_walk_and_or_not_in_order_with_the_operands_of_between_and_in()
    {
        var condition = new AllOf([
            new AnyOf([
                Compare(Age, ComparisonOperator.Between, ScalarValue.From(18), ScalarValue.From(30)),
                new Not(Compare(Tier, ComparisonOperator.Eq, S("gold"))),
            ]),
            Compare(Tier, ComparisonOperator.In, S("a"), S("b")),
        ]);

        Assert.Equal("((age in [18, 30] OR not(tier = 'gold')) AND tier in {'a', 'b'})", Notation.Filter(condition));
    }

    [Fact]
    public void Should_write_empty_groups_as_the_dialects_true_and_false()
    {
        Assert.Equal("TRUE", Notation.Filter(new AllOf([])));
        Assert.Equal("FALSE", Notation.Filter(new AnyOf([])));
    }

    [Fact]
    public void Should_write_the_keyset_flat_each_term_with_the_equal_prefix_of_the_sort()
    {
        var sort = new[] { new SortField(Tier), new SortField(Age, Descending: true) };
        var after = new Keyset([ScalarValue.Null, ScalarValue.From(40)], "c9");

        Assert.Equal(
            "(tier after null OR missing(tier) AND age before 40 OR missing(tier) AND age == 40 AND id > 'c9')",
            Notation.Keyset(sort, after)
        );
    }

    [Fact]
    public void Should_continue_after_the_id_alone_when_the_query_has_no_sort() =>
        Assert.Equal("(id > 'c9')", Notation.Keyset([], new Keyset([], "c9")));

    public static TheoryData<Condition> EvaluatedInMemoryOnly =>
        [
            new RegexMatch(Tier, "^g"),
            new RelativeDateComparison(Age, RelativeOperator.Within, TimeSpan.FromDays(1)),
            new BehaviorCondition("purchase", BehaviorFunction.Count, null, null, ComparisonOperator.Gt, new EquatableArray<double>([1])),
        ];

    [Theory]
    [MemberData(nameof(EvaluatedInMemoryOnly))]
    public void Should_refuse_conditions_only_rules_evaluate_naming_the_store(Condition condition)
    {
        var name = condition.GetType().Name;
        Assert.Equal(
            $"The SQLite store cannot evaluate {name}.",
            Assert.Throws<NotSupportedException>(() => SqliteQueryBuilder.Count("c", "t", condition)).Message
        );
        Assert.Equal(
            $"The Cosmos DB store cannot evaluate {name}.",
            Assert.Throws<NotSupportedException>(() => CosmosQueryBuilder.Count("t", new AllOf([condition]))).Message
        );
    }

    /// <summary>A dialect that writes what the walk asked for, readably.</summary>
    private sealed class Notation : QueryTranslator
    {
        public static string Filter(Condition condition)
        {
            var notation = new Notation();
            notation.Append(condition);
            return notation.Text.ToString();
        }

        public static string Keyset(IReadOnlyList<SortField> sort, Keyset after)
        {
            var notation = new Notation();
            notation.AppendKeyset(sort, after);
            return notation.Text.ToString();
        }

        protected override string StoreName => "The notation";

        protected override string True => "TRUE";

        protected override string False => "FALSE";

        protected override string Expression(FieldPath field) => field.Value;

        private static string Value(ScalarValue value) => value.Kind == ScalarKind.String ? $"'{value}'" : value.ToString();

        private static string List(IReadOnlyList<ScalarValue> values) => "{" + string.Join(", ", values.Select(Value)) + "}";

        protected override void AppendNot(Condition condition)
        {
            Text.Append("not(");
            Append(condition);
            Text.Append(')');
        }

        protected override void AppendMissing(string field) => Text.Append($"missing({field})");

        protected override void AppendPresent(string field) => Text.Append($"present({field})");

        protected override void AppendEqual(string field, ScalarValue operand) => Text.Append($"{field} = {Value(operand)}");

        protected override void AppendNotEqual(string field, ScalarValue operand) => Text.Append($"{field} != {Value(operand)}");

        protected override void AppendOrdered(string field, string op, ScalarValue operand) =>
            Text.Append($"{field} {op} {Value(operand)}");

        protected override void AppendBetween(string field, ScalarValue low, ScalarValue high) =>
            Text.Append($"{field} in [{Value(low)}, {Value(high)}]");

        protected override void AppendIn(string field, IReadOnlyList<ScalarValue> operands) => Text.Append($"{field} in {List(operands)}");

        protected override void AppendNotIn(string field, IReadOnlyList<ScalarValue> operands) =>
            Text.Append($"{field} not in {List(operands)}");

        protected override void AppendStartsWith(string field, ScalarValue operand) => Text.Append($"{field} starts {Value(operand)}");

        protected override void AppendContains(string field, ScalarValue operand) => Text.Append($"{field} contains {Value(operand)}");

        protected override void AppendKeyEqual(string field, ScalarValue value)
        {
            if (value.IsNull)
            {
                AppendMissing(field);
            }
            else
            {
                Text.Append($"{field} == {Value(value)}");
            }
        }

        protected override void AppendKeyAfter(string field, ScalarValue value, bool descending) =>
            Text.Append($"{field} {(descending ? "before" : "after")} {Value(value)}");

        protected override void AppendIdAfter(string id) => Text.Append($"id > '{id}'");
    }
}
