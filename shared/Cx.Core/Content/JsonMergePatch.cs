using System.Text.Json.Nodes;

namespace Cx.Core.Content;

/// <summary>JSON Merge Patch (RFC 7396): objects merge, <c>null</c> removes, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? targetObject : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }
            result.TryGetPropertyValue(name, out var existing);
            var merged = Apply(existing is JsonObject ? existing : null, value);
            if (existing is not null)
            {
                result.Remove(name);
            }
            result[name] = merged;
        }
        return result;
    }
}
