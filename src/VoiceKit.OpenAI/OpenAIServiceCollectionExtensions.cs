using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit;
using VoiceKit.OpenAI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers OpenAI providers with dependency injection. All three share one <see cref="OpenAIVoiceOptions"/> (the
/// container's <see cref="IOptions{TOptions}"/>), so they share one connection pool; each <c>configure</c> action is
/// applied to it in the order registered.
/// </summary>
public static class OpenAIServiceCollectionExtensions
{
    /// <summary>Registers a singleton <see cref="ILanguageModel"/> on OpenAI chat completions (see <see cref="OpenAIVoiceExtensions.AsOpenAILanguageModel"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the shared options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddOpenAILanguageModel(this IServiceCollection services, Action<OpenAIVoiceOptions>? configure = null)
    {
        AddOptions(services, configure);
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<OpenAIVoiceOptions>>().Value.AsOpenAILanguageModel());
        return services;
    }

    /// <summary>Registers a singleton <see cref="ISpeechToText"/> on OpenAI streaming transcriptions (see <see cref="OpenAIVoiceExtensions.AsOpenAISpeechToText"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the shared options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddOpenAISpeechToText(this IServiceCollection services, Action<OpenAIVoiceOptions>? configure = null)
    {
        AddOptions(services, configure);
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<OpenAIVoiceOptions>>().Value.AsOpenAISpeechToText());
        return services;
    }

    /// <summary>Registers a singleton <see cref="ITextToSpeech"/> on OpenAI speech (see <see cref="OpenAIVoiceExtensions.AsOpenAITextToSpeech"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the shared options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddOpenAITextToSpeech(this IServiceCollection services, Action<OpenAIVoiceOptions>? configure = null)
    {
        AddOptions(services, configure);
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<OpenAIVoiceOptions>>().Value.AsOpenAITextToSpeech());
        return services;
    }

    private static void AddOptions(IServiceCollection services, Action<OpenAIVoiceOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<OpenAIVoiceOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }
    }
}
