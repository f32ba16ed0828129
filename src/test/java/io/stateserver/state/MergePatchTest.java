package io.stateserver.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MergePatchTest {

  /** RFC 7396 Appendix A, every row: original, patch, result. */
  static Stream<Arguments> rfc7396AppendixA() {
    return Stream.of(
        Arguments.of("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        Arguments.of("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
        Arguments.of("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
        Arguments.of("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"),
        Arguments.of("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        Arguments.of("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
        Arguments.of(
            "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
        Arguments.of("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"),
        Arguments.of("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"),
        Arguments.of("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"),
        Arguments.of("{\"a\":\"foo\"}", "null", "null"),
        Arguments.of("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""),
        Arguments.of("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"),
        Arguments.of("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"),
        Arguments.of("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"));
  }

  @ParameterizedTest(name = "{0} + {1} = {2}")
  @MethodSource("rfc7396AppendixA")
  void appliesEveryExampleOfRfc7396AppendixA(String original, String patch, String expected) {
    Object target = json(original);
    Object patchValue = json(patch);
    Object targetBefore = json(original);
    Object patchBefore = json(patch);

    Object result = MergePatch.apply(target, patchValue);

    assertThat(result).isEqualTo(json(expected));
    assertThat(target).as("target unchanged").isEqualTo(targetBefore);
    assertThat(patchValue).as("patch unchanged").isEqualTo(patchBefore);
  }

  @Test
  void appliesTheExampleOfRfc7396Section3() {
    JsonObject target =
        new JsonObject(
            """
            {"title": "Goodbye!",
             "author": {"givenName": "John", "familyName": "Doe"},
             "tags": ["example", "sample"],
             "content": "This will be unchanged"}
            """);
    JsonObject patch =
        new JsonObject(
            """
            {"title": "Hello!",
             "phoneNumber": "+01-123-456-7890",
             "author": {"familyName": null},
             "tags": ["example"]}
            """);
    JsonObject expected =
        new JsonObject(
            """
            {"title": "Hello!",
             "author": {"givenName": "John"},
             "tags": ["example"],
             "content": "This will be unchanged",
             "phoneNumber": "+01-123-456-7890"}
            """);
    assertThat(MergePatch.apply(target, patch)).isEqualTo(expected);
  }

  @Test
  void patchingAbsentValueAsEmptyObjectAndNullTargetBothYieldThePatchWithoutNulls() {
    JsonObject patch = new JsonObject("{\"a\":1,\"b\":null,\"c\":{\"d\":null,\"e\":2}}");
    JsonObject expected = new JsonObject("{\"a\":1,\"c\":{\"e\":2}}");
    assertThat(MergePatch.apply(new JsonObject(), patch)).isEqualTo(expected);
    assertThat(MergePatch.apply(null, patch)).isEqualTo(expected);
    assertThat(MergePatch.apply("scalar", patch)).isEqualTo(expected);
  }

  @Test
  void resultSharesNoMutableObjectWithTheArguments() {
    JsonObject target = new JsonObject("{\"keep\":{\"x\":1},\"list\":[1]}");
    JsonObject patch = new JsonObject("{\"new\":{\"y\":2},\"arr\":[3]}");

    JsonObject result = (JsonObject) MergePatch.apply(target, patch);
    result.getJsonObject("keep").put("x", 99);
    result.getJsonArray("list").add(2);
    result.getJsonObject("new").put("y", 99);
    result.getJsonArray("arr").add(4);

    assertThat(target).isEqualTo(new JsonObject("{\"keep\":{\"x\":1},\"list\":[1]}"));
    assertThat(patch).isEqualTo(new JsonObject("{\"new\":{\"y\":2},\"arr\":[3]}"));
  }

  @Test
  void nonObjectPatchIsReturnedAsACopy() {
    JsonArray patch = new JsonArray().add(new JsonObject().put("a", 1));
    JsonArray result = (JsonArray) MergePatch.apply(new JsonObject(), patch);
    result.getJsonObject(0).put("a", 2);
    assertThat(patch.getJsonObject(0).getInteger("a")).isEqualTo(1);
  }

  @Test
  void keepsNumberAndBooleanScalars() {
    assertThat(MergePatch.apply(new JsonObject(), 42)).isEqualTo(42);
    assertThat(MergePatch.apply("x", true)).isEqualTo(true);
    assertThat(MergePatch.apply(new JsonObject().put("n", 1.5), new JsonObject().put("m", false)))
        .isEqualTo(new JsonObject().put("n", 1.5).put("m", false));
  }

  private static Object json(String text) {
    return Json.decodeValue(text);
  }
}
