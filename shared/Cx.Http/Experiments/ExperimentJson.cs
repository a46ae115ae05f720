using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cx.Http.Experiments;

/// <summary>The exposure event a client may send through <c>/api/v1/events</c> (the same event id: the processor keeps one).</summary>
public sealed record ExperimentExposureView(string EventId, string Type, IReadOnlyDictionary<string, string> Properties);

/// <summary>
/// The arm a unit is assigned to: the experiment, the variation key, what it serves (a flag variation
/// or placement variant), whether it is the control, the unit's bucket (0-9,999) and the exposure event.
/// </summary>
public sealed record ExperimentAssignmentView(
    string Experiment,
    string UnitId,
    string Variation,
    string Serves,
    bool Control,
    int Bucket,
    bool Exposed,
    ExperimentExposureView Exposure
);

/// <summary>The serializer contracts of the experiment endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExperimentAssignmentView))]
[JsonSerializable(typeof(Cx.Core.Experiments.SignificanceRunState))]
public sealed partial class ExperimentJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static ExperimentJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}
