using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit;
using VoiceKit.Local;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the offline synthesisers of VoiceKit.Local.</summary>
public static class LocalTextToSpeechServiceCollectionExtensions
{
    /// <summary>
    /// Registers Flite as the singleton <see cref="ITextToSpeech"/>, configured through <see cref="IOptions{TOptions}"/>
    /// of <see cref="FliteTextToSpeechOptions"/>. The options are validated and the voice loaded when it is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddFliteTextToSpeech(this IServiceCollection services, Action<FliteTextToSpeechOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<FliteTextToSpeechOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<FliteTextToSpeechOptions>>().Value.AsFliteTextToSpeech());
        return services;
    }

    /// <summary>
    /// Registers eSpeak NG as the singleton <see cref="ITextToSpeech"/>, configured through <see cref="IOptions{TOptions}"/>
    /// of <see cref="EspeakTextToSpeechOptions"/>. The options are validated and the voice checked when it is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddEspeakTextToSpeech(this IServiceCollection services, Action<EspeakTextToSpeechOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<EspeakTextToSpeechOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<EspeakTextToSpeechOptions>>().Value.AsEspeakTextToSpeech());
        return services;
    }
}
