using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Cx.Core.Feedback;

/// <summary>A text's sentiment: the AFINN score, its label and the phrases that carried it.</summary>
public sealed record SentimentResult(int Score, double Comparative, string Label, IReadOnlyList<string> KeyPhrases);

/// <summary>
/// Lexicon sentiment: the AFINN-165 word list as the npm package <c>sentiment</c> 5.0.2 (MIT)
/// ships it (<c>languages/en/labels.json</c> and <c>negators.json</c>, copied verbatim into
/// <c>Lexicon/</c> and checked against the package by a test). The same method as that package:
/// lower-case, strip punctuation, split on spaces, add each word's valence (-5..5), a negator
/// right before a word flips it. Positive above zero, negative below, neutral at zero. Key
/// phrases are the words that carried the score (with their negator), strongest first.
/// </summary>
public sealed class SentimentScorer
{
    public const string ModelName = "afinn-165";

    /// <summary>The version of the package the lexicon is taken from.</summary>
    public const string ModelVersion = "sentiment@5.0.2";

    public const int MaxKeyPhrases = 5;

    private readonly Dictionary<string, int> _valence;
    private readonly HashSet<string> _negators;

    public SentimentScorer()
    {
        _valence = Read<Dictionary<string, int>>("afinn-165-labels.json");
        _negators = [.. Read<Dictionary<string, int>>("negators.json").Keys];
    }

    public int Words => _valence.Count;

    private static T Read<T>(string name)
    {
        var assembly = typeof(SentimentScorer).Assembly;
        using var stream =
            assembly.GetManifestResourceStream("Cx.Core.Feedback.Lexicon." + name)
            ?? throw new InvalidOperationException($"The lexicon resource {name} is missing from {assembly.GetName().Name}.");
        return JsonSerializer.Deserialize<T>(stream)!;
    }

    public SentimentResult Score(string text)
    {
        var tokens = Tokenize(text);
        var score = 0;
        var phrases = new List<(string Phrase, int Weight)>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!_valence.TryGetValue(tokens[i], out var value))
            {
                continue;
            }
            var phrase = tokens[i];
            if (i > 0 && _negators.Contains(tokens[i - 1]))
            {
                value = -value;
                phrase = tokens[i - 1] + " " + tokens[i];
            }
            score += value;
            if (value != 0 && !phrases.Exists(p => p.Phrase == phrase))
            {
                phrases.Add((phrase, value));
            }
        }
        var label =
            score > 0 ? "positive"
            : score < 0 ? "negative"
            : "neutral";
        var comparative = tokens.Count == 0 ? 0 : Math.Round((double)score / tokens.Count, 4);
        var key = phrases
            .OrderByDescending(p => Math.Abs(p.Weight))
            .ThenBy(p => phrases.IndexOf(p))
            .Take(MaxKeyPhrases)
            .Select(p => p.Phrase)
            .ToList();
        return new SentimentResult(score, comparative, label, key);
    }

    /// <summary>The package's tokenizer: lower-case, these punctuation marks become spaces, split on spaces.</summary>
    public static List<string> Tokenize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(
                c
                    is '\n'
                        or '.'
                        or ','
                        or '/'
                        or '#'
                        or '!'
                        or '?'
                        or '$'
                        or '%'
                        or '^'
                        or '&'
                        or '*'
                        or ';'
                        or ':'
                        or '{'
                        or '}'
                        or '='
                        or '_'
                        or '`'
                        or '"'
                        or '~'
                        or '('
                        or ')'
                    ? ' '
                    : c
            );
        }
        return [.. builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }
}
