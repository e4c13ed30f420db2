"""Write the alternative text of every chapter figure into its notebook cell's metadata.

    python -m tools.alt_text chapters/*.ipynb          # write (only files that change)
    python -m tools.alt_text --check chapters/*.ipynb  # exit 1 if a file would change

A code cell that shows figures (image outputs, or the HTML animation player of grid_animation) gets
``"alt_text": [one sentence per figure, in output order]`` in its metadata; the website's
extension tools/sphinx/accessibility.py turns them into the images' ``alt`` attributes. The sentences
live here, keyed by a snippet of the cell's source that names the figure (usually its title),
so they survive re-executing a notebook. Only cell metadata changes: sources, outputs and
execution counts stay as they are, and running the script twice changes nothing more.
A cell with figures but no (or an ambiguous) snippet is reported and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# (snippet of the cell's source, [alt text of each figure the cell shows, in order])
ALT_TEXTS = [
    # 00 Setup
    ('title="MNIST training digits"',
     ["Grid of the first 16 MNIST training digits in two rows of eight, each titled with its label."]),
    ('title="The same digits, binarized"',
     ["The same 16 digits after binarization: every pixel is pure black or white, titled with the labels."]),
    # 02 Latent variables
    ('title="Ten training digits per class (row k shows digit k)"',
     ["Ten rows of ten training digits, row k showing ten different handwritten examples of digit k."]),
    ('ax.set_title("Class counts")',
     ["Bar chart of the number of training images per digit class 0 to 9, with a dashed line at the mean; "
      "the classes are roughly balanced."]),
    ('title="Mean image per class, and of all digits"',
     ["Eleven blurry average images: the mean training image of each digit 0 to 9, then the mean of all digits."]),
    ('ax.set_title("Histogram of all training pixel intensities")',
     ["Histogram of all training pixel intensities on a log scale: most pixels are near 0 or near 1, "
      "few in between."]),
    ('title="Samples: no latent variable (top), class as latent variable (bottom)"',
     ["Two rows of ten sampled images: the top row, without a latent variable, is noise shaped like an "
      "average digit; the bottom row, with the class as latent variable, shows noisy but recognisable digits 0 to 9."]),
    ('"Naive Monte Carlo estimates of p(x) at x = 1 (30 runs per K)"',
     ["Two scatter plots of naive Monte Carlo estimates of p(x) divided by the exact value against the number "
      "of prior samples K, with a one-standard-error band: for decoder noise 1.0 the estimates settle near 1 "
      "quickly, for noise 0.05 they scatter widely even at large K."]),
    ("fig = plot_latent_variable_schematic()",
     ["Diagram of the model's two halves: image x, encoder f(x) (later q(z|x)), code z, decoder g(z) "
      "(that is p(x|z)), reconstructed image; below the code, the prior N(0, I) from which z is sampled to "
      "generate new images."]),
    ('title="A test digit, its best component and six prior draws (log p(x|z) in nats)"',
     ["A test digit, the training image that explains it best, and six randomly drawn training images, "
      "each titled with log p(x|z) in nats; the random draws score far lower than the best one."]),
    ('title="Test digits with the lowest log p(x) under the class-as-latent model"',
     ["Eight test digits that the class-as-latent model finds least likely, titled with their log p(x); "
      "they are unusually thick, slanted or oddly written."]),
    # 03 Autoencoders
    ('title="Dense autoencoder, 2-D code")',
     ["Training curves of the dense autoencoder with a 2-D code: reconstruction loss per epoch on training "
      "and test images."]),
    ('title="Dense autoencoder, 2-D code: test digits (top) and reconstructions (bottom)"',
     ["Ten test digits (top row) and their reconstructions by the dense autoencoder with a 2-D code "
      "(bottom row): the reconstructions are blurry but mostly keep the digit's identity."]),
    ('title="Dense autoencoder: 2-D codes of the test digits"',
     ["Scatter plot of the dense autoencoder's 2-D codes of the test digits, coloured by digit class: "
      "the classes form elongated, partly overlapping clusters."]),
    ('title="Convolutional autoencoder, 2-D code")',
     ["Training curves of the convolutional autoencoder with a 2-D code: reconstruction loss per epoch on "
      "training and test images."]),
    ('title="Convolutional autoencoder, 2-D code: test digits (top) and reconstructions (bottom)"',
     ["Ten test digits (top row) and their reconstructions by the convolutional autoencoder with a 2-D code "
      "(bottom row).",
      "Scatter plot of the convolutional autoencoder's 2-D codes of the test digits, coloured by digit class."]),
    ('title="Rows: test digits, dense 2-D, convolutional 2-D, dense 16-D reconstructions"',
     ["Four rows of ten images: test digits, then their reconstructions by the dense 2-D, convolutional 2-D "
      "and dense 16-D autoencoders; the 16-D code reconstructs the digits most faithfully."]),
    ('def show_decoded_box(name',
     ["Left: images decoded from a grid over the box of the dense autoencoder's training codes, with grid "
      "points far from every training code shaded red. Right: the codes of the test digits in the same box, "
      "coloured by class."]),
    ('fig = show_decoded_box("conv")',
     ["Left: images decoded from a grid over the box of the convolutional autoencoder's training codes, "
      "with grid points far from every training code shaded red. Right: the codes of the test digits, "
      "coloured by class."]),
    ('title=f"Dense autoencoder: decoded random codes, z ~ {sampler}"',
     ["Two rows of 16 images decoded by the dense autoencoder from random codes drawn uniformly over the box "
      "of its training codes; many are not clear digits.",
      "Two rows of 16 images decoded by the dense autoencoder from random codes drawn from N(0, I); many are "
      "not clear digits."]),
    ('title="Dense autoencoder: where random codes land"',
     ["Grouped bar chart per digit class: the share of training data, and the share of random codes (uniform "
      "over the box, and N(0, I)) whose nearest training code has that class; the random codes favour some "
      "classes over others."]),
    ('title="The learned 1-D curve"',
     ["Three panels of a toy autoencoder with a 1-D code on 2-D spiral data: the curve its decoder traces "
      "compared with the true spiral; a histogram of the training codes next to the N(0, 1) density; and the "
      "points decoded from codes drawn from N(0, 1), many of which fall off the spiral."]),
    ('title="Dense autoencoder: decoded codes from a Gaussian fitted to the training codes"',
     ["Two rows of 16 images decoded by the dense autoencoder from codes drawn from a Gaussian fitted to its "
      "training codes; more look like digits than with the untuned samplers, but some are still blurs."]),
    ('title="Reconstructions through one number"',
     ["The 2-D spiral data in grey, with reconstructions through one number: PCA with one component gives a "
      "straight line, the autoencoder with a 1-D code follows the curve of the spiral."]),
    # 04 VAE
    ('title="Graphical model of the VAE (shaded: observed)"',
     ["Graphical model of the VAE: an unshaded latent node z above a shaded, observed node x; a solid black "
      "arrow of the generative model p(x|z)p(z) leads from z to x, a dashed orange arrow of the inference "
      "model q(z|x) curves back from x to z."]),
    ('title="VAE on binarized MNIST (latent_dim=2)"',
     ["Training curves of the VAE with a 2-D latent space on binarized MNIST: total loss, reconstruction "
      "loss and KL term per epoch, on training and test images."]),
    ('title="VAE decoded latent grid"',
     ["Animation of the VAE's decoded latent grid during training, one frame per snapshot, opening on the "
      "last: a grid of decoded images that turns from uniform blur into an ordered map of digits."]),
    ('title="Autoencoder: codes $z = f(x)$"',
     ["Two scatter plots of test digits coloured by class: the plain autoencoder's codes spread over an "
      "irregular region with gaps, while the VAE's posterior means fill a compact round region around the "
      "origin."]),
    ('title="VAE: decoded grid over Gaussian quantiles"',
     ["A 20 by 20 grid of digits decoded by the VAE from latent points at Gaussian quantiles: neighbouring "
      "images change smoothly from one digit into another."]),
    ("fig = plot_reconstructions(x_test[:10], vae.reconstruct(x_test[:10]))",
     ["Ten test digits (top row) and the VAE's reconstructions (bottom row): blurrier versions that mostly "
      "keep the digit."]),
    ('title=f"From a test 1 to a test 0 (test images {start} and {end})"',
     ["Ten images decoded along the straight line between the VAE codes of a test 1 and a test 0: the 1 "
      "gradually morphs into the 0."]),
    ('title="VAE samples: z ~ N(0, I), decoded"',
     ["Four rows of eight images decoded by the VAE from z drawn from N(0, I): most are recognisable but "
      "blurry digits."]),
    ('axes[0].set_title("Aggregate posterior q(z): samples over the prior")',
     ["Two panels over the 2-D latent plane: left, one code sampled from q(z|x) of every training image as "
      "blue dots over dashed circles of radius 1, 2 and 3 for the prior; right, a map of log10 q(z)/p(z) in "
      "purple where the codes are denser than the prior and orange where they are rarer, with a dashed line "
      "where they are ten times rarer."]),
    ('title="Prior samples in the deepest holes of q(z) (top) and where q(z) is densest (bottom)"',
     ["Two rows of eight images decoded by the VAE from prior samples: the top row from the samples where "
      "the aggregate posterior is rarest relative to the prior, the bottom row from where it is densest."]),
    # 05 CVAE
    ('title="VAE: posterior means of test digits"',
     ["Scatter plot of the VAE's posterior means of the test digits, coloured by class: each digit occupies "
      "its own region of the 2-D latent plane."]),
    ('title="VAE samples from the region of the training 2s"',
     ["Two rows of eight images decoded by the VAE from codes near the training 2s: most are 2s, some "
      "look like other digits."]),
    ('Graphical model of the CVAE (shaded: observed)',
     ["Graphical model of the CVAE: shaded, observed nodes y and x and an unshaded latent node z; solid "
      "black arrows of the generative model p(x|z,y)p(z) lead from y and z to x, dashed orange arrows of the "
      "inference model q(z|x,y) from x and y to z."]),
    ('title="CVAE training curves (binarized MNIST)"',
     ["Training curves of the CVAE on binarized MNIST: total loss, reconstruction loss and KL term per "
      "epoch, on training and test images."]),
    ('ax.set_title("VAE and CVAE with the same settings")',
     ["Line chart of the negative ELBO per epoch for the VAE and the CVAE, training (solid) and test "
      "(dashed): the CVAE's loss is lower throughout."]),
    ('title="CVAE samples: row = requested digit, column = one latent code z"',
     ["Grid of CVAE samples: each row shows the requested digit 0 to 9, each column one latent code z, so a "
      "column shows every digit in one shared style."]),
    ('title="One code per row, decoded with every label"',
     ["Two rows of ten digits 0 to 9 decoded by the CVAE: within a row the latent code is fixed, so all ten "
      "digits share one style, and the two rows differ in slant."]),
    ('title="A real test digit (left) redrawn with its own style as 0 … 9"',
     ["Four rows: a real test digit on the left, followed by the CVAE's redrawing of its style as each digit "
      "0 to 9."]),
    ('title="VAE: q(z|x)"',
     ["Two scatter plots of test codes coloured by class: the VAE's codes separate the classes, the CVAE's "
      "codes overlap, because the label already tells the class."]),
    ('fig.suptitle("CVAE: the same latent grid decoded with three labels")',
     ["Three grids of images decoded by the CVAE from the same latent grid with labels 3, 5 and 8: the same "
      "position gives the same style in each grid."]),
    ('title="Fixed label 5: from the style of the test 2 to the style of the test 7"',
     ["Ten 5s decoded by the CVAE along the line from the style code of a test 2 to that of a test 7: the "
      "digit stays a 5 while its style changes."]),
    ('title="Fixed z (style of the test 4): label 3, then label 8"',
     ["Ten images decoded by the CVAE with a fixed style code while the label moves from 3 to 8."]),
    ('title="Off the training data: one-hot of 3 blended into 8 (weight of 8 above each)"',
     ["Ten images decoded by the CVAE with a label blended from 3 into 8, each titled with the weight of 8: "
      "the 3 turns into an 8 through in-between shapes."]),
    ('ax.set_title("What the true label is worth to the CVAE, image by image")',
     ["Histogram on a log scale of log p(x|y) minus log p(x) per test image, with a dashed line at the upper "
      "bound log 10: most images gain up to that bound, a few lose a lot."]),
    ('title="Six new codes, one row per label"',
     ["A grid of ten rows of six images decoded by the CVAE: each row one label 0 to 9, each column one of "
      "six new random codes."]),
    # 06 Structured output
    ("quadrant{'s' * (k > 1)}",
     ["A test digit and three versions of it where only one, two or three quadrants are given and the rest "
      "is greyed out."]),
    ('title="Structured-output CVAE (shaded: observed in training)"',
     ["Graphical model of the structured-output CVAE: shaded nodes x (the given quadrants) and y (the hidden "
      "pixels) and an unshaded latent node z; solid black arrows of the prior p(z|x) and the generation "
      "network p(y|x,z) lead from x to z, from x to y and from z to y; dashed orange arrows of the recognition "
      "network q(z|x,y) curve from x and from y to z."]),
    ('plot_training_curves(history, "QuadrantCVAE, 1 quadrant given"',
     ["Training curves of the quadrant CVAE with one quadrant given, three panels: the reconstruction term, "
      "the KL to the learned prior and the GSNN term per epoch, on training and validation images."]),
    ("plot_completions(examples, baseline, cvae, n=7",
     ["Seven test digits with one quadrant given: the baseline network's single blurry completion, and six "
      "varied, sharper completions sampled from the CVAE."]),
    ("plot_completions(examples, baseline, fixed, n=7",
     ["Seven test digits with one quadrant given: the baseline network's completion and six completions "
      "sampled from the CVAE whose prior is a fixed N(0, I) instead of the learned p(z|x)."]),
    ('plot_completions(examples, baseline, models[1]["hybrid"]',
     ["Seven test digits with one quadrant given: the baseline network's completion and six completions "
      "sampled from the hybrid model."]),
    # 07 Evaluation
    ('title=f"−L_K on {len(probe_x)} test digits',
     ["Line chart of the importance-sampled bound −L_K against the number of samples K on a log scale, one "
      "line per dense model, with the −ELBO for reference: each bound falls as K grows and levels off."]),
    ('fig.suptitle("Samples from the prior, z ~ N(0, I)")',
     ["One panel per VAE with 24 samples from its prior, z ~ N(0, I), each titled with the model's test "
      "importance-sampled NLL."]),
    ('ax.set_title("Label fidelity of the CVAE, per class")',
     ["Bar chart per requested digit of the fraction of CVAE samples that a classifier judges to be that "
      "digit, with black marks at the classifier's accuracy on real test digits."]),
    ('ax.set_title("Which digits do the VAEs draw?")',
     ["Grouped bar chart per digit class of the share of the test set, and of each VAE's prior samples that "
      "a classifier assigns to that class."]),
    ('title="CVAE samples: requested (rows) vs judged (columns), %"',
     ["Confusion matrix of CVAE samples, requested digit in rows against the classifier's judgement in "
      "columns, in percent: most of the mass lies on the diagonal."]),
    # 08 KL weight
    ('title=f"Rate–distortion plane, {latent_dim}-D VAEs on test images"',
     ["Rate–distortion plot of the VAEs trained with different β: each model is a point, labelled with its "
      "β, with rate (KL) on a symlog x axis and distortion on the y axis; larger β trades distortion for rate."]),
    ('title=f"Active units of the {latent_dim}-D VAEs (test images)"',
     ["Two panels on the VAEs trained with different β: a bar chart of the number of active latent units "
      "per β, and the activity of each latent dimension per model."]),
    ('title="The same ten prior samples z, decoded by each model"',
     ["One row per β: the same ten prior samples z decoded by each model."]),
    ('title="Test digits and their reconstructions per β"',
     ["Rows of ten images: the original test digits, then their reconstructions by each β model; they get "
      "blurrier as β grows."]),
    ("Posterior means of test images in each model's two most active dimensions",
     ["One scatter plot per β of the test images' posterior means in the model's two most active latent "
      "dimensions, coloured by digit class, with a dashed circle of radius 2."]),
    ('title="β = 784 (a pixel-averaged loss): every output is the same image"',
     ["Three rows: samples, reconstructions and original test digits for the model with β = 784; every "
      "sample and reconstruction is the same blurry average image."]),
    # 09 Fashion-MNIST
    ('title="Fashion-MNIST: eight items per class"',
     ["Ten rows of eight Fashion-MNIST items, one row per class, from T-shirts to ankle boots, each row "
      "titled with its class."]),
    ('title="Grey levels (top) and binarized at 0.5 (bottom)"',
     ["Eight Fashion-MNIST test items in grey levels (top) and binarized at 0.5 (bottom), titled with their "
      "class; binarizing loses the textures."]),
    ('title="VAE on binarized Fashion-MNIST"',
     ["Training curves of the VAE on binarized Fashion-MNIST: loss terms per epoch on training and test "
      "items."]),
    ('title="Binarized test items (top) and VAE reconstructions (bottom)"',
     ["Ten binarized Fashion-MNIST test items (top) and the VAE's blurrier reconstructions (bottom)."]),
    ('title="VAE latent means of Fashion-MNIST test items"',
     ["Scatter plot of the VAE's latent means of Fashion-MNIST test items, coloured by class: similar "
      "garments such as shirts, pullovers and coats overlap."]),
    ('title="Decoded latent grid of the Fashion-MNIST VAE"',
     ["A 20 by 20 grid of garments decoded by the Fashion-MNIST VAE from a latent grid: shoes, trousers and "
      "tops occupy different regions."]),
    ('title="VAE samples, z ~ N(0, I)"',
     ["Two rows of eight garments sampled from the Fashion-MNIST VAE with z drawn from N(0, I)."]),
    ('title="Same-class share of the 10 nearest latent neighbours"',
     ["Horizontal bar chart per Fashion-MNIST class of the share of the 10 nearest latent neighbours that "
      "have the same class."]),
    ('title="CVAE on binarized Fashion-MNIST"',
     ["Training curves of the CVAE on binarized Fashion-MNIST: loss terms per epoch on training and test "
      "items."]),
    ('title="CVAE: one row per class, one column per latent sample"',
     ["Grid of CVAE samples, one row per Fashion-MNIST class and one column per latent sample."]),
    ('title="Test items whose codes are used below"',
     ["Six Fashion-MNIST test items titled with their class: a T-shirt, a trouser, a dress, a sandal, a bag "
      "and an ankle boot.",
      "Grid of garments decoded by the CVAE: each column uses the code of one test item above, decoded as "
      "every class, one row per class."]),
    ('title="CVAE latent means: the classes overlap on purpose"',
     ["Scatter plot of the CVAE's latent means of Fashion-MNIST test items, coloured by class: the classes "
      "overlap, because the label carries the class."]),
    ('title="Test −ELBO per class"',
     ["Horizontal bar chart of the test −ELBO per Fashion-MNIST class for the VAE and the CVAE."]),
    # 10 Fixing posterior collapse
    ('title="The weight each epoch trained with"',
     ["Two line plots over ten epochs for the plain, warm-up and free-bits VAEs with beta = 16. Left: the KL "
      "weight, constant at 16 for the plain and free-bits models, rising in a straight line from 0 to 16 over "
      "the first five epochs for the warm-up model. Right, on a log scale: the training rate, which for the "
      "warm-up model starts at dozens of nats and falls to about one nat, stays below one nat for the plain "
      "model, and levels off just below 8 nats for the free-bits model."]),
    ('title=f"Rate–distortion plane, {latent_dim}-D VAEs with β = {beta:g}"',
     ["Rate–distortion plot of the three beta = 16 VAEs: plain and warm-up at the top left, with a small rate "
      "and a large distortion, and free bits far below them at a rate of about 7 nats, on the dashed line of "
      "the smallest −ELBO."]),
    ('title=f"Active units of the {latent_dim}-D VAEs with β = {beta:g} (test images)"',
     ["Two panels. Left: bars of active units, 1 for plain, 3 for warm-up and 16 for free bits. Right: the "
      "sorted activity of every latent dimension on a log scale with the 0.01 threshold dashed: the free-bits "
      "curve stays high for all sixteen dimensions, the plain and warm-up curves drop below the threshold "
      "after one and three dimensions."]),
    ('title=f"The same ten prior samples z, decoded by each model (β = {beta:g})"',
     ["Three rows of ten decoded prior samples, one row per model: blurry look-alike 8s and 9s and two 0s "
      "for the plain model, a few more kinds of digit for the warm-up model, and varied rough digits for the "
      "free-bits model.",
      "Ten test digits and their reconstructions by the three models: the plain model turns most of them "
      "into the same blurry 8-like shape, the warm-up model gets some digits such as 7, 0 and 1 right, and "
      "the free-bits model reconstructs most of them recognisably."]),
    # 11 Latent traversals
    ('title=f"{name}: traversals of test image {index}, one dimension per row"',
     ["Ten rows of nine decoded digits from the beta = 1 VAE: each row starts from the code of one test 3 and "
      "moves one latent dimension from -2 to +2, rows ordered by the dimension's KL; every row changes the 3, "
      "most in several ways at once.",
      "The same traversals for the beta = 4 VAE: the top row turns the 3 into a round 0 on the left and a thin "
      "1 on the right, and the three bottom rows, whose dimensions have a KL near zero, show the same image "
      "nine times."]),
    ('title="Test digits with the lowest and highest ink, slant and width"',
     ["Three rows of eight test digits, the four lowest and four highest of each statistic: thin 1s and bold "
      "0s for ink, left-leaning digits and flat 2s and 5s for slant, upright 1s and broad sideways shapes for "
      "width."]),
    ('title=f"CVAE, label 3: traversals of the style of test image {index}"',
     ["Four rows of nine CVAE digits, all decoded with label 3 from the style of one test 3, each row moving "
      "one of the four highest-KL latent dimensions: every image stays a 3 while its slant and width change."]),
    ('title=f"CVAE: z[{slant_dim}] traversed with every label',
     ["Ten rows of nine CVAE digits, one row per label 0 to 9, all moving the same latent dimension from the "
      "same style: in every row the digit leans left at -2 and right at +2."]),
    # 12 Grey-level images
    ('left.set(title="Log normaliser of the continuous Bernoulli"',
     ["Two line plots. Left: the continuous Bernoulli's log normaliser log C(λ) against λ, a U-shaped curve "
      "with its minimum log 2 at λ = 0.5; the formula typed in directly lies on it except at λ = 0.5, where it "
      "is NaN. Right: the continuous Bernoulli's mean against λ, an S-shaped curve that stays closer to 0.5 "
      "than the diagonal λ itself."]),
    ('title="Test items (top) and each decoder\'s mean reconstruction"',
     ["Six rows of eight Fashion-MNIST test items: the grey originals, then the mean reconstructions of the "
      "Bernoulli, the Gaussian with sigma 1 (the blurriest), the Gaussian with learned sigma and the continuous "
      "Bernoulli decoders, and last the continuous Bernoulli's λ, which looks like an over-contrasted, almost "
      "black-and-white version of the items."]),
    ('title="Decoder means of eight prior samples, the same z for every decoder"',
     ["Four rows of eight decoded prior samples, one row per decoder (Bernoulli, Gaussian with sigma 1, Gaussian "
      "with learned sigma, continuous Bernoulli): blurry garments and shoes, faint and noisy ones in the row of "
      "the Gaussian with learned sigma."]),
    # 13 Judging a conditional generator
    ("The CVAE's samples: row = requested digit, column = one code z",
     ["Grid of CVAE samples with one row per requested digit 0 to 9 and one column per latent code: every row "
      "shows recognisable digits of its class, the columns vary slant and stroke width."]),
    ('title="Accuracy on real test digits per class, by training set"',
     ["Bar chart of the test accuracy per digit class for a classifier trained on real digits (all about 95 to "
      "99 percent) and one trained on CVAE samples (lower in every class, lowest for the 8s at about two thirds)."]),
    ('title="Samples of the CVAE trained on 100 digits per class"',
     ["Grid of samples of the CVAE trained on 1,000 digits, one row per digit 0 to 9: blurry but recognisable "
      "digits, with smudged strokes in some 1s, 2s and 9s."]),
    ('title="Per-class diversity: mean distance between two digits of a class"',
     ["Bar chart of the mean distance between two digits of the same class, per class: real test digits "
      "highest in every class except the 1s, CVAE samples thresholded at 0.5 somewhat lower, and the grey "
      "Bernoulli means about half of the real digits' values."]),
]


def count_figures(cell) -> int:
    """Figures a code cell shows: image outputs, and HTML outputs with a picture (animations)."""
    count = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(mime.startswith("image/") for mime in data) or "<img" in "".join(data.get("text/html", "")):
            count += 1
    return count


def annotate(notebook: dict, name: str) -> list[str]:
    """Set ``alt_text`` on the notebook's figure cells; return the problems found."""
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        figures = count_figures(cell) if cell["cell_type"] == "code" else 0
        if not figures:
            continue
        source = "".join(cell["source"])
        matches = [alts for snippet, alts in ALT_TEXTS if snippet in source]
        where = f"{name} cell {index} ({source.strip().splitlines()[0][:70]!r})"
        if len(matches) != 1:
            problems.append(f"{where}: {len(matches)} entries of ALT_TEXTS match; exactly one must")
        elif len(matches[0]) != figures:
            problems.append(f"{where}: shows {figures} figure(s) but ALT_TEXTS has {len(matches[0])} sentence(s)")
        else:
            cell["metadata"]["alt_text"] = list(matches[0])
    return problems


def dumps(notebook: dict) -> str:
    """The notebook as nbformat writes it (one-space indent, sorted keys, UTF-8, final newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    problems, changed = [], []
    for path in args.notebooks:
        text = path.read_text(encoding="utf-8")
        notebook = json.loads(text)
        problems += annotate(notebook, path.name)
        new_text = dumps(notebook)
        if new_text != text:
            changed.append(path)
            if not args.check:
                path.write_text(new_text, encoding="utf-8")
    verb = "would change" if args.check else "changed"
    print(f"{verb}: {', '.join(str(p) for p in changed) or 'nothing'}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
